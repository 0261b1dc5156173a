//! Work on many files at once: the reader's loading and `ngxlint fmt` map a list on the
//! machine's cores (at most 8 threads), keeping its order.

/// `items` mapped through `f`, in order: on one thread for up to `alone` items (threads cost more
/// than a short list), else in one contiguous chunk per core. A panic in `f` is resumed here.
pub fn map<T: Sync, R: Send>(items: &[T], alone: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads < 2 || items.len() <= alone {
        return items.iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads).max(1);
    let f = &f;
    std::thread::scope(|s| {
        // The first chunk runs on this thread: one thread fewer to start, and one allocator heap
        // fewer holding memory (each thread's heap keeps what it allocated).
        let mut chunks = items.chunks(chunk);
        let first = chunks.next().unwrap_or_default();
        let handles: Vec<_> = chunks
            .map(|c| s.spawn(move || c.iter().map(f).collect::<Vec<_>>()))
            .collect();
        let mut out: Vec<R> = first.iter().map(f).collect();
        for h in handles {
            match h.join() {
                Ok(v) => out.extend(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_on_one_thread_and_on_many() {
        let items: Vec<u32> = (0..1000).collect();
        let want: Vec<u32> = items.iter().map(|i| i * 2).collect();
        assert_eq!(super::map(&items, usize::MAX, |i| i * 2), want);
        assert_eq!(super::map(&items, 0, |i| i * 2), want);
        assert_eq!(super::map(&items[..0], 0, |i| i * 2), Vec::<u32>::new());
    }
}
