//! The transport on Windows: a named pipe. Local clients only (remote ones are rejected), and
//! only this user on either end:
//! - the pipe is created with a DACL that grants access to this user's SID alone (a pipe's
//!   default DACL lets everyone read and connect);
//! - its name carries a random part (`storyreel-<folder hash>-<random>`), recorded in the data
//!   folder (`control.pipe`), so another user can neither guess it nor create it first; the
//!   first instance is created with `FILE_FLAG_FIRST_PIPE_INSTANCE`, so a name already taken is
//!   never served;
//! - a client checks who serves the pipe (`GetNamedPipeServerProcessId`, then that process's
//!   user) and talks only to a server running as this user.

use std::ffi::c_void;
use std::path::Path;
use std::sync::Arc;

use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeServer, ServerOptions};
use windows_sys::Win32::Foundation::{CloseHandle, LocalFree, HANDLE};
use windows_sys::Win32::Security::Authorization::{
    ConvertSidToStringSidW, ConvertStringSecurityDescriptorToSecurityDescriptorW, SDDL_REVISION_1,
};
use windows_sys::Win32::Security::{
    GetTokenInformation, TokenUser, PSECURITY_DESCRIPTOR, SECURITY_ATTRIBUTES, TOKEN_QUERY,
    TOKEN_USER,
};
use windows_sys::Win32::System::Pipes::GetNamedPipeServerProcessId;
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

use super::serve::{answer, Connections, ControlServer};
use super::Holder;
use crate::engine::Engine;

/// The file in the data folder that names the holder's pipe.
const NAME_FILE: &str = "control.pipe";

fn other(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::PermissionDenied, what.to_string())
}

/// A handle closed when dropped.
struct Owned(HANDLE);

impl Drop for Owned {
    fn drop(&mut self) {
        // SAFETY: the handle was opened by us and is closed once.
        unsafe { CloseHandle(self.0) };
    }
}

/// The user (SID, as a string) a process runs as.
fn process_user(process: HANDLE) -> std::io::Result<String> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: `token` is written by the call; the process handle is valid for its duration.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    let token = Owned(token);
    let mut len = 0u32;
    // SAFETY: asks for the size only.
    unsafe { GetTokenInformation(token.0, TokenUser, std::ptr::null_mut(), 0, &mut len) };
    if len == 0 || len > 64 * 1024 {
        return Err(other("the process's user could not be read"));
    }
    let mut buf = vec![0u8; len as usize];
    // SAFETY: `buf` holds `len` bytes, as the call asked for.
    if unsafe {
        GetTokenInformation(
            token.0,
            TokenUser,
            buf.as_mut_ptr().cast::<c_void>(),
            len,
            &mut len,
        )
    } == 0
    {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: the buffer now holds a TOKEN_USER (read unaligned: a Vec<u8> has no alignment).
    let user: TOKEN_USER = unsafe { std::ptr::read_unaligned(buf.as_ptr().cast::<TOKEN_USER>()) };
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: the SID points into `buf`, alive for the call; `text` is written by it.
    if unsafe { ConvertSidToStringSidW(user.User.Sid, &mut text) } == 0 || text.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `text` is a NUL-terminated wide string the call allocated.
    let sid = unsafe {
        let mut n = 0;
        while *text.add(n) != 0 && n < 512 {
            n += 1;
        }
        String::from_utf16_lossy(std::slice::from_raw_parts(text, n))
    };
    // SAFETY: allocated by ConvertSidToStringSidW with LocalAlloc.
    unsafe { LocalFree(text.cast::<c_void>()) };
    Ok(sid)
}

/// This process's user.
fn our_user() -> std::io::Result<String> {
    // SAFETY: the pseudo handle of this process needs no closing.
    process_user(unsafe { GetCurrentProcess() })
}

/// A security descriptor whose DACL grants all access to `sid` alone (protected: nothing is
/// inherited). Freed when dropped.
struct OwnerOnly(PSECURITY_DESCRIPTOR);

impl OwnerOnly {
    fn new(sid: &str) -> std::io::Result<OwnerOnly> {
        let sddl: Vec<u16> = format!("D:P(A;;GA;;;{sid})")
            .encode_utf16()
            .chain(std::iter::once(0))
            .collect();
        let mut sd: PSECURITY_DESCRIPTOR = std::ptr::null_mut();
        // SAFETY: `sddl` is NUL-terminated; `sd` is written by the call.
        let ok = unsafe {
            ConvertStringSecurityDescriptorToSecurityDescriptorW(
                sddl.as_ptr(),
                SDDL_REVISION_1,
                &mut sd,
                std::ptr::null_mut(),
            )
        };
        if ok == 0 || sd.is_null() {
            return Err(std::io::Error::last_os_error());
        }
        Ok(OwnerOnly(sd))
    }
}

// SAFETY: the descriptor is allocated once, never written after, and freed once on drop: it
// may move to the task that creates the pipe's instances.
unsafe impl Send for OwnerOnly {}

impl Drop for OwnerOnly {
    fn drop(&mut self) {
        // SAFETY: allocated by ConvertStringSecurityDescriptorToSecurityDescriptorW.
        unsafe { LocalFree(self.0) };
    }
}

/// Creates one instance of the pipe `name`, this user's alone.
fn create(name: &str, sd: &OwnerOnly, first: bool) -> std::io::Result<NamedPipeServer> {
    let mut attrs = SECURITY_ATTRIBUTES {
        nLength: std::mem::size_of::<SECURITY_ATTRIBUTES>() as u32,
        lpSecurityDescriptor: sd.0,
        bInheritHandle: 0,
    };
    // SAFETY: `attrs` and the descriptor it points to outlive the call.
    unsafe {
        ServerOptions::new()
            .first_pipe_instance(first)
            .reject_remote_clients(true)
            .create_with_security_attributes_raw(
                name,
                (&mut attrs as *mut SECURITY_ATTRIBUTES).cast::<c_void>(),
            )
    }
}

/// A new pipe name for the data folder: its canonical path hashed, and a random part.
fn new_pipe_name(data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let hash = blake3::hash(dir.to_string_lossy().to_lowercase().as_bytes());
    let random = format!("{:032x}", rand::random::<u128>());
    format!(r"\\.\pipe\storyreel-{}-{random}", &hash.to_hex()[..16])
}

pub(super) fn listen(engine: Engine, holder: Arc<Holder>) -> Option<ControlServer> {
    let refuse = |err: &dyn std::fmt::Display| {
        tracing::info!(%err, "other StoryReel commands cannot reach this one: no pipe for the data folder");
        None
    };
    let sd = match our_user().and_then(|sid| OwnerOnly::new(&sid)) {
        Ok(sd) => sd,
        Err(err) => return refuse(&err),
    };
    let name = new_pipe_name(engine.data_dir());
    let mut server = match create(&name, &sd, true) {
        Ok(s) => s,
        Err(err) => return refuse(&err),
    };
    let name_file = engine.data_dir().join(NAME_FILE);
    if let Err(err) = crate::assets::place_file(&name_file, |tmp| std::fs::write(tmp, &name)) {
        return refuse(&err);
    }
    let conns = Connections::new();
    let task = tokio::spawn(async move {
        // Every connection's task lives in this set: aborting the server ends them all.
        let mut tasks = tokio::task::JoinSet::new();
        loop {
            while tasks.try_join_next().is_some() {}
            if server.connect().await.is_err() {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                continue;
            }
            // The connected instance serves this client; a new one waits for the next.
            let next = match create(&name, &sd, false) {
                Ok(s) => s,
                Err(err) => {
                    tracing::warn!(%err, "the data folder's pipe could not take more clients");
                    return;
                }
            };
            let client = std::mem::replace(&mut server, next);
            let Some(ticket) = conns.admit() else {
                tracing::debug!("every control connection is at work; one more was turned away");
                continue;
            };
            let (engine, holder) = (engine.clone(), holder.clone());
            tasks.spawn(async move {
                let (read, write) = tokio::io::split(client);
                answer(read, write, &engine, &holder, ticket).await;
            });
        }
    });
    Some(ControlServer {
        path: Some(name_file),
        task,
    })
}

/// Whether the process serving `pipe` runs as this user.
fn served_by_us(pipe: HANDLE) -> std::io::Result<bool> {
    let mut pid = 0u32;
    // SAFETY: `pid` is written by the call; the pipe handle is open.
    if unsafe { GetNamedPipeServerProcessId(pipe, &mut pid) } == 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a query-only handle to that process, closed by `Owned`.
    let process = unsafe { OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, pid) };
    if process.is_null() {
        return Err(std::io::Error::last_os_error());
    }
    let process = Owned(process);
    Ok(process_user(process.0)? == our_user()?)
}

/// Sends `req` to the holder of `data_dir`; its reply line.
pub(super) async fn exchange(data_dir: &Path, req: &super::Request) -> std::io::Result<Vec<u8>> {
    const PIPE_BUSY: i32 = 231;
    let name = std::fs::read_to_string(data_dir.join(NAME_FILE))?;
    let name = name.trim();
    if !name.starts_with(r"\\.\pipe\storyreel-") || name.len() > 200 {
        return Err(other("the data folder names no StoryReel pipe"));
    }
    let mut tries = 0;
    let client = loop {
        match ClientOptions::new().open(name) {
            Ok(c) => break c,
            Err(e) if e.raw_os_error() == Some(PIPE_BUSY) && tries < 20 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e),
        }
    };
    use std::os::windows::io::AsRawHandle;
    if !served_by_us(client.as_raw_handle() as HANDLE)? {
        return Err(other("the pipe is served by another user"));
    }
    let (read, write) = tokio::io::split(client);
    super::serve::ask(read, write, req).await
}
