//! Thin IPC commands over the engine. Errors cross IPC as `{code, message}`.

pub mod system;
