//! Work on many files at once: the reader's loading, the report and `ngxlint fmt` map a list on
//! the machine's cores (at most 8 threads), keeping its order; [`join`] runs two things at once.
//! Both use helper threads started once per process.

use std::sync::{Arc, Condvar, Mutex, OnceLock};

/// `items` mapped through `f`, in order: on one thread for up to `alone` items (threads cost more
/// than a short list), else on one thread per core, each taking the next small run of items as
/// it finishes the last. A panic in `f` is resumed here.
///
/// The runs are taken, not dealt out in halves beforehand: files differ in size, and a thread
/// started for the work begins with cold memory (its allocator heap's first pages), so fixed
/// halves left one core idle for a third of the reading of the 2,000-server tree (perf).
pub fn map<T: Sync, R: Send>(items: &[T], alone: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = cores();
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
    // This thread works too, beside the kept helpers.
    let mut parts: Vec<(usize, Vec<R>)> = on_all(threads, &work).into_iter().flatten().collect();
    parts.sort_unstable_by_key(|(i, _)| *i);
    let mut out = Vec::with_capacity(items.len());
    for (_, part) in parts {
        out.extend(part);
    }
    out
}

/// The machine's cores, at most 8.
pub fn cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(8)
    })
}

/// `work` on `threads` threads at once (this one and kept helpers), each call's result.
pub fn on_all<R: Send>(threads: usize, work: &(dyn Fn() -> R + Sync)) -> Vec<R> {
    if threads <= 1 {
        return vec![work()];
    }
    let (a, mut rest) = join(work, || on_all(threads - 1, work));
    rest.push(a);
    rest
}

/// `a` on a helper thread and `b` on this one, at once; both results. A panic is resumed here
/// once neither side runs any more. Where they cannot run at once, `b` runs first, then `a`
/// (and `a` not at all if `b` panicked): a job that waits for something `b` does never waits
/// forever, unless `b` panics after `a` started on a helper.
///
/// The helpers are started once and kept for the whole process: a thread started for a step
/// began with an empty allocator heap, and on the 2,000-server tree each step's new thread cost
/// megabytes of fresh memory (pages the kernel zeroes) that the last step's thread had already
/// touched and freed. When no helper has taken `a` by the time `b` is done, this thread runs
/// `a` itself; on a helper thread, both run here one after the other (a helper never waits for
/// another).
pub fn join<A: Send, B, F: FnOnce() -> A + Send>(a: F, b: impl FnOnce() -> B) -> (A, B) {
    let Some(pool) = pool().filter(|_| !ON_HELPER.with(|h| h.get())) else {
        let rb = b();
        return (a(), rb);
    };
    let done = Arc::new(Done::default());
    let mut job = StackJob {
        a: Some(a),
        result: None,
        done: done.clone(),
    };
    let ptr = JobRef {
        data: (&mut job as *mut StackJob<F, A>).cast::<()>(),
        run: StackJob::<F, A>::run_erased,
    };
    pool.push(ptr);
    let rb = std::panic::catch_unwind(std::panic::AssertUnwindSafe(b));
    // Not started yet: it is ours again (and not started at all when `b` panicked, as on one
    // thread: it may wait for what `b` did not do). Started: wait for it, whatever `b` did,
    // since it may use what this frame lends it.
    let rb = match (pool.take_back(ptr), rb) {
        (true, Err(e)) => std::panic::resume_unwind(e),
        (true, Ok(v)) => {
            if let Some(a) = job.a.take() {
                job.result = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(a)));
            }
            Ok(v)
        }
        (false, r) => {
            done.wait();
            r
        }
    };
    let ra = match job.result.take() {
        Some(Ok(v)) => v,
        Some(Err(e)) => std::panic::resume_unwind(e),
        // A helper runs every job it takes, and a job taken back ran here.
        None => unreachable!("a joined job neither ran nor was taken back"),
    };
    match rb {
        Ok(v) => (ra, v),
        Err(e) => std::panic::resume_unwind(e),
    }
}

thread_local! {
    /// Set on the kept helper threads.
    static ON_HELPER: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// That a job is over, for the thread waiting for it (shared: the waiter may go as soon as it
/// sees it, while the helper still holds the lock).
#[derive(Default)]
struct Done {
    over: Mutex<bool>,
    cv: Condvar,
}

impl Done {
    fn set(&self) {
        let mut over = self.over.lock().unwrap_or_else(|e| e.into_inner());
        *over = true;
        self.cv.notify_all();
    }
    fn wait(&self) {
        let mut over = self.over.lock().unwrap_or_else(|e| e.into_inner());
        while !*over {
            over = self.cv.wait(over).unwrap_or_else(|e| e.into_inner());
        }
    }
}

/// A job in the frame of the [`join`] that made it.
struct StackJob<F, A> {
    a: Option<F>,
    result: Option<std::thread::Result<A>>,
    done: Arc<Done>,
}

impl<F: FnOnce() -> A, A> StackJob<F, A> {
    /// # Safety
    /// `data` is a `StackJob<F, A>` whose [`join`] waits for its `done` before leaving its frame,
    /// and no other thread touches the job until then.
    unsafe fn run_erased(data: *mut ()) {
        // SAFETY: as the function's contract says.
        let job = unsafe { &mut *data.cast::<StackJob<F, A>>() };
        if let Some(a) = job.a.take() {
            job.result = Some(std::panic::catch_unwind(std::panic::AssertUnwindSafe(a)));
        }
        // The waiter may free the frame as soon as this is set: the shared signal outlives it.
        let done = job.done.clone();
        done.set();
    }
}

/// A job by its address, queued for the helpers.
#[derive(Clone, Copy)]
struct JobRef {
    data: *mut (),
    run: unsafe fn(*mut ()),
}

impl PartialEq for JobRef {
    /// The same job: the same frame (two jobs waiting at once are in two frames).
    fn eq(&self, other: &JobRef) -> bool {
        std::ptr::eq(self.data, other.data)
    }
}

// SAFETY: a `JobRef` is only made by `join`, for a job whose closure and result are `Send`, and
// the job is run by exactly one thread (the helper that takes it, or `join` that takes it back).
unsafe impl Send for JobRef {}

/// The kept helper threads and their queue.
struct Pool {
    queue: Mutex<std::collections::VecDeque<JobRef>>,
    ready: Condvar,
}

impl Pool {
    fn push(&self, job: JobRef) {
        self.queue
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_back(job);
        self.ready.notify_one();
    }

    /// Takes a job out of the queue if no helper has started it.
    fn take_back(&self, job: JobRef) -> bool {
        let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        match q.iter().position(|j| *j == job) {
            Some(i) => {
                q.remove(i);
                true
            }
            None => false,
        }
    }

    fn serve(&self) {
        ON_HELPER.with(|h| h.set(true));
        loop {
            let job = {
                let mut q = self.queue.lock().unwrap_or_else(|e| e.into_inner());
                loop {
                    match q.pop_front() {
                        Some(j) => break j,
                        None => q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner()),
                    }
                }
            };
            // SAFETY: `join` queued it and waits for it (see `StackJob::run_erased`).
            unsafe { (job.run)(job.data) };
        }
    }
}

/// The process's helpers (one fewer than the cores), started on first use; `None` on one core or
/// when no thread can be started.
fn pool() -> Option<&'static Pool> {
    static POOL: OnceLock<Option<&'static Pool>> = OnceLock::new();
    *POOL.get_or_init(|| {
        let helpers = cores().saturating_sub(1);
        if helpers == 0 {
            return None;
        }
        let pool: &'static Pool = Box::leak(Box::new(Pool {
            queue: Mutex::new(std::collections::VecDeque::new()),
            ready: Condvar::new(),
        }));
        let started = (0..helpers)
            .filter(|i| {
                std::thread::Builder::new()
                    .name(format!("ngxlint-helper-{i}"))
                    .spawn(|| pool.serve())
                    .is_ok()
            })
            .count();
        (started > 0).then_some(pool)
    })
}

#[cfg(test)]
mod tests {
    use super::{join, on_all};

    #[test]
    fn join_gives_both_results_and_lends_the_frame() {
        let data: Vec<u64> = (0..10_000).collect();
        let (a, b) = join(|| data.iter().sum::<u64>(), || data.len());
        assert_eq!((a, b), (49_995_000, 10_000));
        // Nested, from this thread and from inside a helper's job.
        let (a, (b, c)) = join(|| join(|| 1, || 2), || join(|| 3, || 4));
        assert_eq!((a, b, c), ((1, 2), 3, 4));
    }

    #[test]
    fn a_job_that_waits_for_the_other_side_never_waits_forever() {
        // `a` waits for what `b` does: wherever `a` runs (a helper, or here after `b`), it ends.
        for _ in 0..200 {
            let flag = std::sync::atomic::AtomicBool::new(false);
            let (seen, ()) = join(
                || {
                    while !flag.load(std::sync::atomic::Ordering::Acquire) {
                        std::thread::yield_now();
                    }
                    true
                },
                || flag.store(true, std::sync::atomic::Ordering::Release),
            );
            assert!(seen);
        }
    }

    #[test]
    fn panics_on_either_side_come_back_here_after_both_are_over() {
        let other_done = std::sync::atomic::AtomicBool::new(false);
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            join(
                || panic!("in a"),
                || other_done.store(true, std::sync::atomic::Ordering::SeqCst),
            )
        }));
        assert!(r.is_err());
        assert!(other_done.load(std::sync::atomic::Ordering::SeqCst));
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            join(|| 7, || -> u8 { panic!("in b") })
        }));
        assert!(r.is_err());
        // The helpers survive a panicking job.
        assert_eq!(join(|| 5, || 6), (5, 6));
    }

    #[test]
    fn many_threads_joining_at_once_each_get_their_own_results() {
        std::thread::scope(|s| {
            for t in 0..8u64 {
                s.spawn(move || {
                    for i in 0..500u64 {
                        let (a, b) = join(|| t * 1000 + i, || i);
                        assert_eq!((a, b), (t * 1000 + i, i));
                    }
                });
            }
        });
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let all = on_all(4, &|| {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        });
        assert_eq!(all.len(), 4);
        assert_eq!(calls.into_inner(), 4);
    }

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
