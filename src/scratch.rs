//! Per-thread scratch buffers: what lets tagging allocate nothing per ticket once a thread's
//! buffers have grown.

use std::cell::RefCell;
use std::thread::LocalKey;

/// Runs `f` with this thread's buffers in `key`, or with fresh ones when they are in use (a
/// nested call on the same thread), which costs an allocation but never a panic.
pub(crate) fn with_scratch<T: Default, R>(
    key: &'static LocalKey<RefCell<T>>,
    f: impl FnOnce(&mut T) -> R,
) -> R {
    key.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffers) => f(&mut buffers),
        Err(_) => f(&mut T::default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static BUF: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
    }

    #[test]
    fn the_same_buffers_come_back_and_a_nested_call_gets_fresh_ones() {
        with_scratch(&BUF, |b| b.push(1));
        let (outer, inner) = with_scratch(&BUF, |b| {
            b.push(2);
            let inner = with_scratch(&BUF, |nested| nested.clone());
            (b.clone(), inner)
        });
        assert_eq!(outer, [1, 2]);
        assert!(inner.is_empty());
    }
}
