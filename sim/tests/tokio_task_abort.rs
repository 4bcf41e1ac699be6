//! tokio's `tests/task_abort.rs` (MIT), ported to run under the engine through
//! `asynclife_sim::tokio`.
//!
//! Each `#[test]` that built a runtime (`Builder::new_multi_thread()` or
//! `new_current_thread()`, then `block_on`) is the test attribute here, over the engine's
//! seeds; the builder's options say nothing to a simulation. Adapted:
//! `futures::future::pending` is `std::future::pending`; in `test_abort_without_panic_3662`
//! the abort comes from the test's own task instead of a `std::thread` (a simulation starts no
//! threads), so what is left of it is that an aborted pending task is dropped and its handle
//! says cancelled; `test_abort_task_that_panics_on_drop_contained` checks one run's report,
//! since the engine reports the panic that tokio swallows (see the test). Not ported:
//! - `remote_abort_local_set_3929`: `LocalSet` and `spawn_local`, which the module does not
//!   offer, aborted from a `std::thread`.

use asynclife_sim::tokio;
use std::sync::Arc;
use tokio::time::Duration;

#[cfg(panic = "unwind")]
struct PanicOnDrop;

#[cfg(panic = "unwind")]
impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("Well what did you expect would happen...");
    }
}

/// Checks that a suspended task can be aborted without panicking as reported in
/// issue #3157: <https://github.com/tokio-rs/tokio/issues/3157>.
#[tokio::test(flavor = "multi_thread", worker_threads = 1)]
async fn test_abort_without_panic_3157() {
    let handle = tokio::spawn(async move { tokio::time::sleep(Duration::new(100, 0)).await });

    // wait for task to sleep.
    tokio::time::sleep(Duration::from_millis(10)).await;

    handle.abort();
    let _ = handle.await;
}

/// Checks that a suspended task can be aborted inside of a current_thread
/// executor without panicking as reported in issue #3662:
/// <https://github.com/tokio-rs/tokio/issues/3662>.
#[tokio::test(flavor = "current_thread")]
async fn test_abort_without_panic_3662() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    struct DropCheck(Arc<AtomicBool>);

    impl Drop for DropCheck {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }

    let drop_flag = Arc::new(AtomicBool::new(false));
    let drop_check = DropCheck(drop_flag.clone());

    let j = tokio::spawn(async move {
        // NB: just grab the drop check here so that it becomes part of the
        // task.
        let _drop_check = drop_check;
        std::future::pending::<()>().await;
    });

    let drop_flag2 = drop_flag.clone();

    // tokio aborts from a `std::thread` here, which a simulation does not start: the abort
    // comes from this task.
    let task = {
        assert!(!drop_flag2.load(Ordering::SeqCst));
        j.abort();
        j
    };

    let result = task.await;
    assert!(drop_flag.load(Ordering::SeqCst));
    assert!(result.unwrap_err().is_cancelled());

    // Note: We do the following to trigger a deferred task cleanup.
    //
    // The relevant piece of code you want to look at is in:
    // `Inner::block_on` of `scheduler/current_thread.rs`.
    //
    // We cause the cleanup to happen by having a poll return Pending once
    // so that the scheduler can go into the "auxiliary tasks" mode, at
    // which point the task is removed from the scheduler.
    let i = tokio::spawn(async move {
        tokio::task::yield_now().await;
    });

    i.await.unwrap();
}

/// Checks that a suspended task can be aborted even if the `JoinHandle` is immediately dropped.
/// issue #3964: <https://github.com/tokio-rs/tokio/issues/3964>.
#[tokio::test(flavor = "current_thread")]
async fn test_abort_wakes_task_3964() {
    let notify_dropped = Arc::new(());
    let weak_notify_dropped = Arc::downgrade(&notify_dropped);

    let handle = tokio::spawn(async move {
        // Make sure the Arc is moved into the task
        let _notify_dropped = notify_dropped;
        tokio::time::sleep(Duration::new(100, 0)).await
    });

    // wait for task to sleep.
    tokio::time::sleep(Duration::from_millis(10)).await;

    handle.abort();
    drop(handle);

    // wait for task to abort.
    tokio::time::sleep(Duration::from_millis(10)).await;

    // Check that the Arc has been dropped.
    assert!(weak_notify_dropped.upgrade().is_none());
}

/// Checks that aborting a task whose destructor panics does not allow the
/// panic to escape the task.
///
/// tokio's test asserts nothing but that the runtime survives. Under the engine the panic is
/// contained too (the run goes on to its end), and the engine also reports it: nobody can
/// observe that panic, which is an `unobserved-panic` finding by design. So this one runs as
/// a single simulation whose report is checked for both.
#[test]
#[cfg(panic = "unwind")]
fn test_abort_task_that_panics_on_drop_contained() {
    use asynclife_sim::{Sim, SimConfig, ViolationKind};
    let reached_the_end = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let end = reached_the_end.clone();
    let report = Sim::new(SimConfig::with_seed(0)).run(|| async move {
        let handle = tokio::spawn(async move {
            // Make sure the Arc is moved into the task
            let _panic_dropped = PanicOnDrop;
            tokio::time::sleep(Duration::new(100, 0)).await
        });

        // wait for task to sleep.
        tokio::time::sleep(Duration::from_millis(10)).await;

        handle.abort();
        drop(handle);

        // wait for task to abort.
        tokio::time::sleep(Duration::from_millis(10)).await;
        end.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    assert!(
        reached_the_end.load(std::sync::atomic::Ordering::SeqCst),
        "{report}"
    );
    assert!(report.has(&ViolationKind::UnobservedPanic), "{report}");
}

/// Checks that aborting a task whose destructor panics has the expected result.
#[tokio::test(flavor = "current_thread")]
#[cfg(panic = "unwind")]
async fn test_abort_task_that_panics_on_drop_returned() {
    let handle = tokio::spawn(async move {
        // Make sure the Arc is moved into the task
        let _panic_dropped = PanicOnDrop;
        tokio::time::sleep(Duration::new(100, 0)).await
    });

    // wait for task to sleep.
    tokio::time::sleep(Duration::from_millis(10)).await;

    handle.abort();
    assert!(handle.await.unwrap_err().is_panic());
}

// It's not clear where these tests belong. This was the place suggested by @Darksonn:
// https://github.com/tokio-rs/tokio/pull/6753#issuecomment-2271434176
/// Checks that a `JoinError` with a panic payload prints the expected text.
#[tokio::test(flavor = "current_thread")]
#[cfg(panic = "unwind")]
async fn test_join_error_display() {
    // `String` payload
    let join_err = tokio::spawn(async move {
        let value = 1234;
        panic!("Format-args payload: {value}")
    })
    .await
    .unwrap_err();

    // We can't assert the full output because the task ID can change.
    let join_err_str = join_err.to_string();

    assert!(
        join_err_str.starts_with("task ")
            && join_err_str.ends_with(" panicked with message \"Format-args payload: 1234\""),
        "Unexpected join_err_str {join_err_str:?}"
    );

    // `&'static str` payload
    let join_err = tokio::spawn(async move { panic!("Const payload") })
        .await
        .unwrap_err();

    let join_err_str = join_err.to_string();

    assert!(
        join_err_str.starts_with("task ")
            && join_err_str.ends_with(" panicked with message \"Const payload\""),
        "Unexpected join_err_str {join_err_str:?}"
    );

    // Non-string payload
    let join_err = tokio::spawn(async move { std::panic::panic_any(1234i32) })
        .await
        .unwrap_err();

    let join_err_str = join_err.to_string();

    assert!(
        join_err_str.starts_with("task ") && join_err_str.ends_with(" panicked"),
        "Unexpected join_err_str {join_err_str:?}"
    );
}

/// Checks that a `JoinError` with a panic payload prints the expected text from `Debug`.
#[tokio::test(flavor = "current_thread")]
#[cfg(panic = "unwind")]
async fn test_join_error_debug() {
    // `String` payload
    let join_err = tokio::spawn(async move {
        let value = 1234;
        panic!("Format-args payload: {value}")
    })
    .await
    .unwrap_err();

    // We can't assert the full output because the task ID can change.
    let join_err_str = format!("{join_err:?}");

    assert!(
        join_err_str.starts_with("JoinError::Panic(Id(")
            && join_err_str.ends_with("), \"Format-args payload: 1234\", ...)"),
        "Unexpected join_err_str {join_err_str:?}"
    );

    // `&'static str` payload
    let join_err = tokio::spawn(async move { panic!("Const payload") })
        .await
        .unwrap_err();

    let join_err_str = format!("{join_err:?}");

    assert!(
        join_err_str.starts_with("JoinError::Panic(Id(")
            && join_err_str.ends_with("), \"Const payload\", ...)"),
        "Unexpected join_err_str {join_err_str:?}"
    );

    // Non-string payload
    let join_err = tokio::spawn(async move { std::panic::panic_any(1234i32) })
        .await
        .unwrap_err();

    let join_err_str = format!("{join_err:?}");

    assert!(
        join_err_str.starts_with("JoinError::Panic(Id(") && join_err_str.ends_with("), ...)"),
        "Unexpected join_err_str {join_err_str:?}"
    );
}
