//! An echo service written against tokio, as tokio users write it: the crate's Cargo.toml
//! makes `tokio` the engine's tokio-shaped module, and nothing here says so.

use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{sleep, timeout, Instant};

/// A request and where its answer goes.
pub type Request = (u32, oneshot::Sender<u32>);

/// Answers each request with `n + 1` after 10 ms, until the channel closes.
pub async fn serve(mut requests: mpsc::Receiver<Request>) {
    while let Some((n, reply)) = requests.recv().await {
        sleep(Duration::from_millis(10)).await;
        let _ = reply.send(n + 1);
    }
}

/// Sends 1 and 2 to a server it starts, gives the sum of the answers and the time it took.
pub async fn echo_twice() -> (u32, Duration) {
    let start = Instant::now();
    let (tx, rx) = mpsc::channel::<Request>(4);
    let server = tokio::spawn(serve(rx));
    let mut total = 0;
    for n in [1, 2] {
        let (reply, answer) = oneshot::channel();
        tx.send((n, reply)).await.unwrap();
        tokio::select! {
            got = answer => total += got.unwrap(),
            _ = sleep(Duration::from_secs(1)) => panic!("no answer"),
        }
    }
    drop(tx);
    let (joined, ()) = tokio::join!(server, tokio::task::yield_now());
    joined.unwrap();
    let slow = timeout(Duration::from_millis(1), sleep(Duration::from_secs(1)));
    assert!(slow.await.is_err());
    (total, start.elapsed())
}
