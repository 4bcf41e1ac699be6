//! The message bus: agents register handlers, and one dispatcher task delivers messages in
//! the order they were posted, calling each handler synchronously.
//!
//! Because one task delivers everything, a handler that blocks blocks the bus: no other
//! message moves until it returns (seed 004 #1). Handlers must return quickly and do slow
//! work elsewhere.
//!
//! Fault points:
//! - `bus.send.<kind>` in [`Bus::connect`]: the link to the agent fails (an `error` rule) or is
//!   slow (`delay`); a failed send can be retried;
//! - `bus.deliver.<kind>` at delivery: `delay` holds up the bus, `drop` (and `error`) loses
//!   the message, `duplicate` delivers it twice, `late` holds it until its requester's
//!   deadline has passed by the margin (the bus reads the deadline the message carries;
//!   later messages are not held up meanwhile).
//!
//! A `crash` rule at a `bus.deliver.*` point aborts the dispatcher itself: the bus is dead
//! from then on (nothing restarts it), which is what a crashed bus thread is.
//!
//! Invariants:
//! 1. Messages leave the queue in the order they were posted; only `late` ones are set
//!    aside, and those are released in deadline order.
//! 2. A handler's returned payload is sent as the response to the message it handled, only
//!    for a request: a handler returns a reply only for synchronous work.
//! 3. [`Bus::in_flight`] counts posted messages not yet delivered or lost: zero means idle.

use crate::message::{Message, MessageId, Payload};
use crate::observe::{Event, Observer};
use asynclife_sim::rt::fault::{self, Delivery, InjectedError};
use asynclife_sim::rt::{self, JoinHandle};
use asynclife_sim::Instant;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::sync::mpsc;

/// Handles the messages sent to one agent, on the bus's dispatcher.
pub trait Handler: Send + Sync + 'static {
    /// Handles `message`. Returns a reply only for synchronous work: the bus then sends it
    /// as the response. Asynchronous work returns `None` and replies later with
    /// [`Bus::reply`]. A handler never does both, and never blocks.
    fn handle(&self, message: &Message, bus: &Bus) -> Option<Payload>;
}

impl<F> Handler for F
where
    F: Fn(&Message, &Bus) -> Option<Payload> + Send + Sync + 'static,
{
    fn handle(&self, message: &Message, bus: &Bus) -> Option<Payload> {
        self(message, bus)
    }
}

/// Why a send failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SendError {
    /// The link to the agent failed.
    Link(InjectedError),
    /// The bus has shut down.
    Closed,
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Link(e) => write!(f, "send failed: {e}"),
            SendError::Closed => f.write_str("send failed: the bus has shut down"),
        }
    }
}

impl std::error::Error for SendError {}

/// Counters of a bus.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BusStats {
    /// Messages posted.
    pub posted: u64,
    /// Handler calls (a duplicate counts twice).
    pub delivered: u64,
    /// Messages lost (dropped, failed at delivery, or still held at shutdown).
    pub dropped: u64,
    /// Messages delivered twice.
    pub duplicated: u64,
    /// Messages held until after their deadline.
    pub held_late: u64,
    /// Messages to an agent without a handler.
    pub unroutable: u64,
}

/// A handle to the bus; clones share it.
#[derive(Clone)]
pub struct Bus {
    inner: Arc<Inner>,
}

struct Inner {
    queue: mpsc::UnboundedSender<Command>,
    state: Mutex<State>,
    observer: Observer,
    dispatcher: Mutex<Option<JoinHandle<()>>>,
}

struct State {
    next_id: u64,
    handlers: BTreeMap<String, Arc<dyn Handler>>,
    in_flight: usize,
    stats: BusStats,
}

enum Command {
    Route(Message),
    Stop,
}

impl Bus {
    /// A bus with its dispatcher task running.
    ///
    /// # Panics
    /// Outside a simulation and outside a tokio runtime (it spawns its dispatcher).
    pub fn start(observer: Observer) -> Bus {
        let (queue, receiver) = mpsc::unbounded_channel();
        let bus = Bus {
            inner: Arc::new(Inner {
                queue,
                state: Mutex::new(State {
                    next_id: 1,
                    handlers: BTreeMap::new(),
                    in_flight: 0,
                    stats: BusStats::default(),
                }),
                observer,
                dispatcher: Mutex::new(None),
            }),
        };
        let handle = rt::spawn("bus.dispatcher", dispatch(bus.clone(), receiver));
        *lock(&bus.inner.dispatcher) = Some(handle);
        bus
    }

    /// Registers (or replaces) `agent`'s handler.
    pub fn register(&self, agent: &str, handler: impl Handler) {
        self.state()
            .handlers
            .insert(agent.to_string(), Arc::new(handler));
    }

    /// A new message from `from` to `to`, with a fresh id, not yet posted.
    pub fn message(&self, from: &str, to: &str, payload: Payload) -> Message {
        let id = {
            let mut st = self.state();
            st.next_id += 1;
            MessageId(st.next_id - 1)
        };
        Message {
            id,
            from: from.to_string(),
            to: to.to_string(),
            payload,
            response_to: None,
            deadline: None,
        }
    }

    /// Queues a message for delivery. Never blocks; on a bus that has shut down the message
    /// is lost.
    pub fn post(&self, message: Message) -> MessageId {
        let id = message.id;
        (self.inner.observer)(&Event::Posted {
            at: rt::now(),
            message: &message,
        });
        let mut st = self.state();
        st.stats.posted += 1;
        if self.inner.queue.send(Command::Route(message)).is_ok() {
            st.in_flight += 1;
        } else {
            st.stats.dropped += 1;
        }
        id
    }

    /// Sends `payload` from `from` as the response to `request`: to its sender, carrying its
    /// id and its deadline.
    pub fn reply(&self, from: &str, request: &Message, payload: Payload) -> MessageId {
        let mut message = self.message(from, &request.from, payload);
        message.response_to = Some(request.id);
        message.deadline = request.deadline;
        self.post(message)
    }

    /// The link to the message's agent, before posting it: where a send fails or is slow
    /// (fault point `bus.send.<kind>`).
    pub async fn connect(&self, message: &Message) -> Result<(), SendError> {
        fault::point(message.payload.names().send_point)
            .await
            .map_err(SendError::Link)
    }

    /// [`Bus::connect`], then [`Bus::post`].
    pub async fn send_message(&self, message: Message) -> Result<MessageId, SendError> {
        self.connect(&message).await?;
        Ok(self.post(message))
    }

    /// Posted messages not yet delivered or lost (held late ones included).
    pub fn in_flight(&self) -> usize {
        self.state().in_flight
    }

    /// The counters so far.
    pub fn stats(&self) -> BusStats {
        self.state().stats
    }

    /// Stops the dispatcher after the messages already queued, loses the ones held late,
    /// and forgets every handler.
    pub async fn shutdown(&self) {
        let _ = self.inner.queue.send(Command::Stop);
        let handle = lock(&self.inner.dispatcher).take();
        if let Some(handle) = handle {
            let _ = handle.await;
        }
        self.state().handlers.clear();
    }

    fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.inner.state)
    }

    /// Decides a queued message's fate at its delivery point and applies it.
    async fn route(&self, message: Message, held: &mut Held) {
        match fault::delivery(message.payload.names().deliver_point).await {
            Ok(Delivery::Deliver) => self.deliver(&message),
            Ok(Delivery::Duplicate) => {
                self.state().stats.duplicated += 1;
                self.deliver(&message);
                self.deliver(&message);
            }
            Ok(Delivery::Late(margin)) => {
                let now = rt::now();
                let release_at = message.deadline.unwrap_or(now).max(now) + margin;
                self.state().stats.held_late += 1;
                held.insert(release_at, message);
                return;
            }
            Ok(Delivery::Drop) | Err(_) => self.state().stats.dropped += 1,
        }
        self.state().in_flight -= 1;
    }

    /// Hands a message to its agent's handler, and sends a returned reply.
    fn deliver(&self, message: &Message) {
        let handler = self.state().handlers.get(&message.to).cloned();
        let Some(handler) = handler else {
            self.state().stats.unroutable += 1;
            return;
        };
        self.state().stats.delivered += 1;
        (self.inner.observer)(&Event::Delivered {
            at: rt::now(),
            message,
        });
        if let Some(payload) = handler.handle(message, self) {
            if !message.is_response() {
                self.reply(&message.to, message, payload);
            }
        }
    }
}

/// Messages set aside until after their deadline, by release time then arrival.
#[derive(Default)]
struct Held {
    messages: BTreeMap<(Instant, u64), Message>,
    arrivals: u64,
}

impl Held {
    fn insert(&mut self, release_at: Instant, message: Message) {
        self.arrivals += 1;
        self.messages.insert((release_at, self.arrivals), message);
    }

    fn next_release(&self) -> Option<Instant> {
        self.messages.keys().next().map(|(at, _)| *at)
    }
}

/// The dispatcher: one task, so delivery is in order and a blocking handler blocks it.
async fn dispatch(bus: Bus, mut queue: mpsc::UnboundedReceiver<Command>) {
    let mut held = Held::default();
    loop {
        let release_at = held.next_release();
        let command = asynclife_sim::select! {
            biased;
            () = rt::sleep_until(release_at.unwrap_or_default()), if release_at.is_some() => {
                if let Some((_, message)) = held.messages.pop_first() {
                    bus.deliver(&message);
                    bus.state().in_flight -= 1;
                }
                continue;
            }
            command = queue.recv() => command,
        };
        match command {
            Some(Command::Route(message)) => bus.route(message, &mut held).await,
            Some(Command::Stop) | None => break,
        }
    }
    let lost = held.messages.len();
    let mut st = bus.state();
    st.stats.dropped += lost as u64;
    st.in_flight -= lost;
}

/// Locks a mutex; a poisoned one is still usable, since every critical section here leaves
/// the data consistent before anything can panic.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
