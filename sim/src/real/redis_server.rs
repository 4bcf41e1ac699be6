//! A throwaway Redis server for tests of real mode: Debian's `redis-server` on a free
//! loopback port, without persistence, killed when its guard is dropped.

use super::parent_death::die_with_parent;
use std::io;
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How long the server gets to accept connections.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// Pause between two readiness probes.
const READY_POLL: Duration = Duration::from_millis(20);
/// Starts tried, each on a newly chosen port, in case another process took the port first.
const START_ATTEMPTS: u32 = 3;

/// A running `redis-server`; dropping the guard kills it and waits for it, so a failing
/// test (a panic unwinds through it) leaves no server behind.
#[must_use = "the server is killed when the guard is dropped"]
#[derive(Debug)]
pub struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    /// Starts `redis-server` on a free port of 127.0.0.1 and waits until it answers.
    /// `Ok(None)` when `redis-server` is not installed; an error when it does not start.
    pub fn start() -> io::Result<Option<RedisServer>> {
        let mut last_error = None;
        for _ in 0..START_ATTEMPTS {
            match RedisServer::start_once() {
                Ok(server) => return Ok(server),
                Err(e) => last_error = Some(e),
            }
        }
        Err(last_error.expect("at least one attempt was made"))
    }

    fn start_once() -> io::Result<Option<RedisServer>> {
        let port = free_port()?;
        let mut command = Command::new("redis-server");
        // The server dies with the thread that started it (the test that owns it), however
        // the test binary ends, as real mode's children do.
        die_with_parent(&mut command, nix::sys::signal::Signal::SIGKILL);
        let spawned = command
            .args(["--bind", "127.0.0.1", "--port", &port.to_string()])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .arg("--dir")
            .arg(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match spawned {
            Ok(child) => child,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        // From here the guard owns the child: an early return kills it.
        let mut server = RedisServer { child, port };
        server.wait_ready()?;
        Ok(Some(server))
    }

    fn wait_ready(&mut self) -> io::Result<()> {
        let tries = READY_TIMEOUT.as_millis() / READY_POLL.as_millis();
        for _ in 0..tries {
            if let Some(status) = self.child.try_wait()? {
                return Err(io::Error::other(format!(
                    "redis-server exited at start ({status}); port {} taken?",
                    self.port
                )));
            }
            if self.answers_ping() {
                return Ok(());
            }
            #[allow(clippy::disallowed_methods)]
            // test support, outside any simulation: waiting for a real server to come up
            std::thread::sleep(READY_POLL);
        }
        Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("redis-server did not answer on port {} in time", self.port),
        ))
    }

    fn answers_ping(&self) -> bool {
        if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_err() {
            return false;
        }
        let Ok(client) = redis::Client::open(self.url()) else {
            return false;
        };
        let Ok(mut con) = client.get_connection_with_timeout(READY_POLL) else {
            return false;
        };
        redis::cmd("PING").query::<String>(&mut con).is_ok()
    }

    /// The URL of its database 0, as `ASYNCLIFE_REDIS_URL` or `RealConfig::redis_url` take.
    pub fn url(&self) -> String {
        self.database_url(0)
    }

    /// The URL of its database `index` (0 to 15): a fresh keyspace for each run, since
    /// what a run leaves (tombstones, with their TTL) would meet the next run's sessions.
    pub fn database_url(&self, index: u8) -> String {
        format!("redis://127.0.0.1:{}/{index}", self.port)
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A loopback port nobody listens on now: bound, then released for the server.
fn free_port() -> io::Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}
