use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=ui/dist/index.html");
    // A fresh clone has no built UI: embed a page that says how to build it, so that a plain
    // `cargo build --workspace` works and the window explains itself.
    let dist = Path::new("ui/dist");
    if !dist.join("index.html").is_file() {
        std::fs::create_dir_all(dist).expect("cannot create ui/dist");
        std::fs::copy("ui/placeholder/index.html", dist.join("index.html"))
            .expect("cannot copy ui/placeholder/index.html to ui/dist");
    }
    let attrs =
        tauri_build::Attributes::new().capabilities_path_pattern("src-tauri/capabilities/*.json");
    tauri_build::try_build(attrs)
        .expect("tauri-build failed: check tauri.conf.json and src-tauri/capabilities");
}
