//! The X display as a window manager sees it: find the app's top-level window by its title,
//! read its process id, and ask it to close (WM_DELETE_WINDOW), as the title bar's close
//! button does. (WebDriver's "close window" bypasses the app's close handling.)

use std::ffi::{CStr, CString};
use std::os::raw::{c_int, c_uchar, c_ulong};

use x11_dl::xlib;

pub struct Display {
    x: xlib::Xlib,
    dpy: *mut xlib::Display,
}

impl Display {
    pub fn open(name: &str) -> Option<Display> {
        let x = xlib::Xlib::open().ok()?;
        let c = CString::new(name).ok()?;
        // SAFETY: a plain Xlib call with a valid C string; null is checked.
        let dpy = unsafe { (x.XOpenDisplay)(c.as_ptr()) };
        (!dpy.is_null()).then_some(Display { x, dpy })
    }

    /// Every window whose title contains `title`, depth first from the root.
    pub fn windows(&self, title: &str) -> Vec<c_ulong> {
        let mut out = Vec::new();
        // SAFETY: the display is open; windows come from the server.
        unsafe {
            let root = (self.x.XDefaultRootWindow)(self.dpy);
            self.walk(root, title, &mut out);
        }
        out
    }

    unsafe fn walk(&self, w: c_ulong, title: &str, out: &mut Vec<c_ulong>) {
        let mut name: *mut i8 = std::ptr::null_mut();
        if (self.x.XFetchName)(self.dpy, w, &mut name) != 0 && !name.is_null() {
            if CStr::from_ptr(name).to_string_lossy().contains(title) {
                out.push(w);
            }
            (self.x.XFree)(name.cast());
        }
        let (mut root, mut parent) = (0, 0);
        let mut children: *mut c_ulong = std::ptr::null_mut();
        let mut n: u32 = 0;
        let listed =
            (self.x.XQueryTree)(self.dpy, w, &mut root, &mut parent, &mut children, &mut n) != 0;
        if listed && !children.is_null() {
            for i in 0..n as usize {
                self.walk(*children.add(i), title, out);
            }
            (self.x.XFree)(children.cast());
        }
    }

    /// The process that owns a window (`_NET_WM_PID`).
    pub fn pid(&self, w: c_ulong) -> Option<u32> {
        // SAFETY: the display is open; the property buffer is freed after reading.
        unsafe {
            let atom = (self.x.XInternAtom)(self.dpy, c"_NET_WM_PID".as_ptr(), 1);
            if atom == 0 {
                return None;
            }
            let (mut ty, mut format) = (0, 0 as c_int);
            let (mut n, mut after) = (0, 0);
            let mut data: *mut c_uchar = std::ptr::null_mut();
            let ok = (self.x.XGetWindowProperty)(
                self.dpy,
                w,
                atom,
                0,
                1,
                0,
                xlib::XA_CARDINAL,
                &mut ty,
                &mut format,
                &mut n,
                &mut after,
                &mut data,
            );
            if ok != 0 || data.is_null() || n == 0 {
                return None;
            }
            let pid = *(data as *const c_ulong) as u32;
            (self.x.XFree)(data.cast());
            Some(pid)
        }
    }

    /// Asks the window to close, as a window manager's close button does.
    pub fn close(&self, w: c_ulong) {
        // SAFETY: a ClientMessage built field by field and sent to a window of this display.
        unsafe {
            let protocols = (self.x.XInternAtom)(self.dpy, c"WM_PROTOCOLS".as_ptr(), 0);
            let delete = (self.x.XInternAtom)(self.dpy, c"WM_DELETE_WINDOW".as_ptr(), 0);
            let mut ev: xlib::XEvent = std::mem::zeroed();
            ev.client_message.type_ = xlib::ClientMessage;
            ev.client_message.window = w;
            ev.client_message.message_type = protocols;
            ev.client_message.format = 32;
            ev.client_message.data.set_long(0, delete as i64);
            ev.client_message.data.set_long(1, xlib::CurrentTime as i64);
            (self.x.XSendEvent)(self.dpy, w, 0, xlib::NoEventMask, &mut ev);
            (self.x.XFlush)(self.dpy);
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SAFETY: opened in `open`, closed once.
        unsafe {
            (self.x.XCloseDisplay)(self.dpy);
        }
    }
}
