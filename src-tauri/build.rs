fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attrs =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/*.json");
    tauri_build::try_build(attrs)
        .expect("tauri-build failed: check tauri.conf.json and src-tauri/capabilities");
}
