//! Work on many files at once: the reader's loading and `ngxlint fmt` map a list on the
//! machine's cores (at most 8 threads), keeping its order.

/// `items` mapped through `f`, in order: on one thread for up to `alone` items (threads cost more
/// than a short list), else on one thread per core, each taking the next small run of items as
/// it finishes the last. A panic in `f` is resumed here.
///
/// The runs are taken, not dealt out in halves beforehand: files differ in size, and a thread
/// started for the work begins with cold memory (its allocator heap's first pages), so fixed
/// halves left one core idle for a third of the reading of the 2,000-server tree (perf).
pub fn map<T: Sync, R: Send>(items: &[T], alone: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8);
    if threads < 2 || items.len() <= alone {
        return items.iter().map(f).collect();
    }
    // About sixteen runs per thread: the tail where one thread finishes alone stays short, and
    // taking a run costs one atomic increment.
    let run = items.len().div_ceil(threads * 16).max(1);
    let runs = items.len().div_ceil(run);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done: Vec<(usize, Vec<R>)> = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if i >= runs {
                return done;
            }
            let end = ((i + 1) * run).min(items.len());
            done.push((i, items[i * run..end].iter().map(&f).collect()));
        }
    };
    let mut parts = std::thread::scope(|s| {
        // This thread works too: one thread fewer to start, and one allocator heap fewer
        // holding memory (each thread's heap keeps what it allocated).
        let handles: Vec<_> = (1..threads).map(|_| s.spawn(work)).collect();
        let mut parts = work();
        for h in handles {
            match h.join() {
                Ok(v) => parts.extend(v),
                Err(e) => std::panic::resume_unwind(e),
            }
        }
        parts
    });
    parts.sort_unstable_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(items.len());
    for (_, part) in parts {
        out.extend(part);
    }
    out
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
        // Fewer items than runs, and a count that does not divide evenly.
        assert_eq!(super::map(&items[..3], 0, |i| i * 2), want[..3]);
        assert_eq!(super::map(&items[..997], 0, |i| i * 2), want[..997]);
    }
}
