//! Where no status notifier host shows tray icons (no D-Bus session, as under Xvfb or in a bare
//! X session; stock GNOME), StoryReel knows it and does not hide its window to a tray nobody can
//! see. Its own test binary: it sets the session bus address for the whole process.

#[cfg(target_os = "linux")]
#[test]
fn no_session_bus_means_no_tray() {
    let dir = tempfile::tempdir().unwrap();
    let nowhere = dir.path().join("no-bus");
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", nowhere.display()),
    );
    let t0 = std::time::Instant::now();
    assert!(!storyreel_app::tray::host_present());
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(5),
        "answered at once"
    );
    assert!(!storyreel_app::tray::shown());
}
