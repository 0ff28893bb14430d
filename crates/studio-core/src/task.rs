//! Small task helpers shared by the background service, the workers and the render.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A task that is aborted when this handle is dropped (also on an early `?` return).
pub(crate) struct AbortOnDrop<T>(pub(crate) tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Sets a stop flag when dropped: blocking work that watches the flag stops when the future that owns it is
/// dropped, not only when its token is cancelled.
pub(crate) struct SetOnDrop(pub(crate) Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}
