//! Each lane's job work: what one claimed job does, from its payload to its result.

mod render;
mod upload;
mod upload_aborts;
