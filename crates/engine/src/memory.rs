//! Giving memory back to the system after a big job. A render decodes every picture and keeps
//! frame buffers; a neural voice runs a model: each on a blocking thread, and glibc keeps the
//! pages they freed in that thread's arena for next time. In a process that lives all day (the
//! app, `storyreel work`), those arenas add up job after job; trimming them after each render
//! or narration returns the free pages, so memory goes back down once the work is done.

/// Returns the heap's free pages to the system (glibc on Linux; elsewhere nothing to do).
pub fn give_back() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only releases free memory inside the allocator; it takes the
        // allocator's own locks and touches no memory of ours.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}
