//! Writing to standard output and error without panicking when the reader has gone away.
//! `println!` panics on a closed pipe; a command whose reader left ends quietly instead, with
//! the exit code a shell gives a program ended by SIGPIPE (141). Jobs left running are picked
//! up at the next start, as after any stop.

use std::io::Write;

/// The exit code of a command whose output was closed (128 + SIGPIPE).
const CLOSED: i32 = 141;

pub fn out(args: std::fmt::Arguments<'_>) {
    let mut o = std::io::stdout().lock();
    if let Err(e) = o.write_fmt(args).and_then(|()| o.flush()) {
        closed(e);
    }
}

pub fn err(args: std::fmt::Arguments<'_>) {
    let mut o = std::io::stderr().lock();
    if let Err(e) = o.write_fmt(args) {
        closed(e);
    }
}

fn closed(e: std::io::Error) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        std::process::exit(CLOSED);
    }
}
