//! `#[tokio::test]` runs under the engine over seeds (found through the renamed crate), and
//! the same service runs on tokio.

use std::time::Duration;
use tokio_renamed::echo_twice;

#[tokio::test(seeds = 50)]
async fn echo_runs_under_the_engine_on_virtual_time() {
    let (total, took) = echo_twice().await;
    assert_eq!(total, 5);
    // Virtual time: exactly two replies of 10 ms and the 1 ms timeout.
    assert_eq!(took, Duration::from_millis(21));
}

#[tokio::test]
#[should_panic(expected = "reproduce: ASYNCLIFE_REPLAY=")]
async fn a_failing_tokio_test_gives_the_engine_report_and_its_reproduce_line() {
    let (total, _) = echo_twice().await;
    assert_eq!(total, 6, "a wrong expectation, on purpose");
}

#[test]
fn the_same_service_runs_on_tokio() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    let (total, took) = runtime.block_on(echo_twice());
    assert_eq!(total, 5);
    assert!(took >= Duration::from_millis(21));
}
