//! The invariants of a rag run, and the [`Ledger`] of observed events they read.
//!
//! 1. `exactly-one-reply`: every generate request delivered to the generator gets exactly
//!    one reply, posted within its timeout plus one sweep interval plus a 100 ms grace, and
//!    within the grace of the first timeout sweep at or after its deadline.
//! 2. `late-response-ignored`: a response that comes after its request's deadline never
//!    changes the request's state (the generator only counts it as late).
//! 3. `breaker-conforms`: every input the breaker takes gives the admission and the state the
//!    reference state machine ([`crate::model`]) gives, at every step.
//! 4. `no-send-while-open`: nothing is posted to the agent while its breaker (per the
//!    reference state machine fed the same inputs) is open, and at most one request, the
//!    probe, while it is half-open.
//! 5. `breaker-recovers`: once the faults are healed, the breaker is closed again within
//!    the open window plus one probe: counted from the heal, the bound also covers the
//!    requests still in flight then (one timeout and one sweep), the wait for the next
//!    request (the workload's longest gap) and the probe's answer (the agent's longest
//!    latency).
//! 6. `pending-map-bounded`: the pending map never holds more than `max_pending` requests,
//!    nor any request past its deadline plus one sweep interval plus the grace, and it is
//!    empty when the run ends.
//!
//! The bus never blocking is the engine's own `blocked-executor` detector.

use crate::breaker::{Admission, BreakerConfig, BreakerInput, BreakerState};
use crate::bus::lock;
use crate::generator::ScenarioGenerator;
use crate::message::{MessageId, Payload};
use crate::model;
use crate::observe::{Event, Observer};
use asynclife_sim::check::{eventually_within, Invariant, Overdue};
use asynclife_sim::{rt, Instant};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Slack on every deadline the invariants check, for the instants a completion takes.
pub const GRACE: Duration = Duration::from_millis(100);

/// What the bus and the generator reported, in order, as far as the invariants need it.
#[derive(Debug, Default)]
pub struct Ledger {
    records: Vec<Record>,
    healed_at: Option<Instant>,
}

#[derive(Clone, Debug)]
enum Record {
    GenerateDelivered {
        at: Instant,
        id: MessageId,
        deadline: Option<Instant>,
    },
    Swept {
        at: Instant,
    },
    ReplyPosted {
        at: Instant,
        request: MessageId,
    },
    RequestPosted {
        to: String,
    },
    Breaker {
        at: Instant,
        agent: String,
        input: BreakerInput,
        admission: Option<Admission>,
        state: BreakerState,
    },
    Applied {
        at: Instant,
        request: MessageId,
        deadline: Instant,
    },
}

/// A ledger shared by the observer that fills it and the invariants that read it.
pub type SharedLedger = Arc<Mutex<Ledger>>;

impl Ledger {
    /// An empty ledger.
    pub fn shared() -> SharedLedger {
        Arc::new(Mutex::new(Ledger::default()))
    }

    /// The observer that records into `ledger`.
    pub fn observer(ledger: &SharedLedger) -> Observer {
        let ledger = ledger.clone();
        Arc::new(move |event: &Event<'_>| {
            if let Some(record) = Ledger::record_of(event) {
                lock(&ledger).records.push(record);
            }
        })
    }

    /// Notes when the faults were healed.
    pub fn mark_healed(&mut self, at: Instant) {
        self.healed_at.get_or_insert(at);
    }

    fn record_of(event: &Event<'_>) -> Option<Record> {
        Some(match *event {
            Event::Delivered { at, message } => match message.payload {
                Payload::GenerateScenario { .. } => Record::GenerateDelivered {
                    at,
                    id: message.id,
                    deadline: message.deadline,
                },
                _ => return None,
            },
            Event::Posted { at, message } => match message.payload {
                Payload::Scenario(_) => Record::ReplyPosted {
                    at,
                    request: message.response_to?,
                },
                Payload::RetrieveDocuments { .. } => Record::RequestPosted {
                    to: message.to.clone(),
                },
                _ => return None,
            },
            Event::Breaker {
                at,
                agent,
                input,
                admission,
                state,
            } => Record::Breaker {
                at,
                agent: agent.to_string(),
                input,
                admission,
                state,
            },
            Event::ResponseApplied {
                at,
                request,
                deadline,
            } => Record::Applied {
                at,
                request,
                deadline,
            },
            Event::Swept { at } => Record::Swept { at },
        })
    }
}

/// The bounds the invariants check, from the generator's and the workload's settings.
#[derive(Clone, Debug)]
pub struct Bounds {
    /// The agent behind the breaker.
    pub agent: String,
    /// The breaker's settings, for the reference state machine.
    pub breaker: BreakerConfig,
    /// A reply must be posted within this of its request's delivery.
    pub reply_within: Duration,
    /// A pending request must be gone this long after its deadline.
    pub pending_grace: Duration,
    /// The pending map's capacity.
    pub max_pending: usize,
    /// The breaker must be closed within this of the heal.
    pub recover_within: Duration,
}

/// Registers every invariant of the rag subsystem.
///
/// # Panics
/// Outside a simulation.
pub fn register(ledger: &SharedLedger, generator: &Arc<ScenarioGenerator>, bounds: &Bounds) {
    rt::invariant(ExactlyOneReply {
        stream: Stream::new(ledger),
        within: bounds.reply_within,
        open: BTreeMap::new(),
        answered: BTreeSet::new(),
    });
    rt::invariant(LateResponseIgnored {
        stream: Stream::new(ledger),
    });
    rt::invariant(BreakerConforms {
        stream: Stream::new(ledger),
        config: bounds.breaker.clone(),
        models: BTreeMap::new(),
    });
    rt::invariant(NoSendWhileOpen {
        stream: Stream::new(ledger),
        config: bounds.breaker.clone(),
        agent: bounds.agent.clone(),
        model: BreakerState::CLOSED,
        half_open_posts: 0,
    });
    rt::invariant(breaker_recovers(ledger, generator, bounds));
    rt::invariant(PendingMapBounded {
        generator: generator.clone(),
        max_pending: bounds.max_pending,
        grace: bounds.pending_grace,
    });
}

/// A reader's position in the ledger.
struct Stream {
    ledger: SharedLedger,
    cursor: usize,
}

impl Stream {
    fn new(ledger: &SharedLedger) -> Stream {
        Stream {
            ledger: ledger.clone(),
            cursor: 0,
        }
    }

    /// Feeds every record not seen yet to `f`, stopping at the first error.
    fn each_new(&mut self, mut f: impl FnMut(&Record) -> Result<(), String>) -> Result<(), String> {
        let ledger = lock(&self.ledger);
        let new = &ledger.records[self.cursor..];
        self.cursor = ledger.records.len();
        new.iter().try_for_each(&mut f)
    }
}

/// Invariant 1.
struct ExactlyOneReply {
    stream: Stream,
    within: Duration,
    /// Delivered, not answered yet: when each was delivered, and its deadline.
    open: BTreeMap<MessageId, Open>,
    answered: BTreeSet<MessageId>,
}

/// A request delivered and not answered yet.
#[derive(Clone, Copy, Debug)]
struct Open {
    since: Instant,
    deadline: Option<Instant>,
    /// The first sweep at or after its deadline ran then: the reply is due within
    /// [`GRACE`] of it (the sweep answers it, or a composition that claimed it gives up by
    /// its deadline).
    swept_at: Option<Instant>,
}

impl ExactlyOneReply {
    fn advance(&mut self) -> Result<(), String> {
        let (open, answered, within) = (&mut self.open, &mut self.answered, self.within);
        self.stream.each_new(|record| match *record {
            Record::GenerateDelivered { at, id, deadline } => {
                if !answered.contains(&id) {
                    open.entry(id).or_insert(Open {
                        since: at,
                        deadline,
                        swept_at: None,
                    });
                }
                Ok(())
            }
            Record::Swept { at } => {
                for request in open.values_mut() {
                    let due = request.deadline.is_some_and(|d| d <= at);
                    if due && request.swept_at.is_none() {
                        request.swept_at = Some(at);
                    }
                }
                Ok(())
            }
            Record::ReplyPosted { at, request } => match open.remove(&request) {
                Some(Open {
                    swept_at: Some(swept_at),
                    deadline: Some(deadline),
                    ..
                }) if at - swept_at > GRACE => Err(late_after_sweep(request, deadline, swept_at)),
                Some(Open { since, .. }) if at - since > within => Err(format!(
                    "request {request} got its reply {} ms after it came in at {since} \
                     (bound {} ms)",
                    (at - since).as_millis(),
                    within.as_millis()
                )),
                Some(_) => {
                    answered.insert(request);
                    Ok(())
                }
                None if answered.contains(&request) => {
                    Err(format!("request {request} got a second reply at {at}"))
                }
                None => Err(format!(
                    "a reply at {at} answers {request}, which the generator never received"
                )),
            },
            _ => Ok(()),
        })
    }
}

impl Invariant for ExactlyOneReply {
    fn name(&self) -> &str {
        "exactly-one-reply"
    }

    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        self.advance()?;
        let swept = self
            .open
            .iter()
            .filter_map(|(id, o)| Some((id, o.swept_at?, o.deadline?)))
            .find(|(_, swept_at, _)| now - *swept_at > GRACE);
        if let Some((id, swept_at, deadline)) = swept {
            return Err(late_after_sweep(*id, deadline, swept_at));
        }
        match self.open.iter().min_by_key(|(_, o)| o.since) {
            Some((id, o)) if now - o.since > self.within => Err(format!(
                "request {id} came in at {} and has no reply {} ms later (bound {} ms)",
                o.since,
                (now - o.since).as_millis(),
                self.within.as_millis()
            )),
            _ => Ok(()),
        }
    }

    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        self.check_step(now)?;
        match self.open.iter().next() {
            Some((id, o)) => Err(format!(
                "request {id} came in at {} and was never answered",
                o.since
            )),
            None => Ok(()),
        }
    }
}

/// A request the first sweep at or after its deadline did not answer in time.
fn late_after_sweep(id: MessageId, deadline: Instant, swept_at: Instant) -> String {
    format!(
        "request {id} expired at {deadline}, and the sweep at {swept_at} left it without a \
         reply (bound: the first sweep at or after the deadline, plus {} ms)",
        GRACE.as_millis()
    )
}

/// Invariant 2.
struct LateResponseIgnored {
    stream: Stream,
}

impl Invariant for LateResponseIgnored {
    fn name(&self) -> &str {
        "late-response-ignored"
    }

    fn check_step(&mut self, _now: Instant) -> Result<(), String> {
        self.stream.each_new(|record| match *record {
            Record::Applied {
                at,
                request,
                deadline,
            } if at > deadline => Err(format!(
                "the response for {request} was applied at {at}, after the request's \
                 deadline {deadline}"
            )),
            _ => Ok(()),
        })
    }
}

/// Invariant 3.
struct BreakerConforms {
    stream: Stream,
    config: BreakerConfig,
    models: BTreeMap<String, BreakerState>,
}

impl Invariant for BreakerConforms {
    fn name(&self) -> &str {
        "breaker-conforms"
    }

    fn check_step(&mut self, _now: Instant) -> Result<(), String> {
        let (config, models) = (&self.config, &mut self.models);
        self.stream.each_new(|record| {
            let Record::Breaker {
                at,
                ref agent,
                input,
                admission,
                state,
            } = *record
            else {
                return Ok(());
            };
            let model = models.entry(agent.clone()).or_insert(BreakerState::CLOSED);
            let before = *model;
            let (expected, expected_admission) = model::step(config, before, input, at);
            *model = expected;
            if (state, admission) == (expected, expected_admission) {
                return Ok(());
            }
            Err(format!(
                "breaker {agent} at {at}: {input:?} when {before} gave {admission:?} and \
                 {state}; the state machine gives {expected_admission:?} and {expected}"
            ))
        })
    }
}

/// Invariant 4.
struct NoSendWhileOpen {
    stream: Stream,
    config: BreakerConfig,
    agent: String,
    /// The reference state machine, fed the breaker's inputs.
    model: BreakerState,
    /// Requests posted since the breaker last went half-open.
    half_open_posts: u32,
}

impl Invariant for NoSendWhileOpen {
    fn name(&self) -> &str {
        "no-send-while-open"
    }

    fn check_step(&mut self, _now: Instant) -> Result<(), String> {
        let (config, agent) = (&self.config, self.agent.as_str());
        let (model, posts) = (&mut self.model, &mut self.half_open_posts);
        self.stream.each_new(|record| match record {
            Record::Breaker {
                at,
                agent: of,
                input,
                ..
            } if of == agent => {
                let was_half_open = *model == BreakerState::HalfOpen;
                *model = model::step(config, *model, *input, *at).0;
                if *model == BreakerState::HalfOpen && !was_half_open {
                    *posts = 0;
                }
                Ok(())
            }
            Record::RequestPosted { to } if to == agent => match *model {
                BreakerState::Open { since } => Err(format!(
                    "a request was sent to {agent} while its breaker was open (since {since})"
                )),
                BreakerState::HalfOpen => {
                    *posts += 1;
                    if *posts > 1 {
                        Err(format!(
                            "{posts} requests were sent to {agent} while its breaker was \
                             half-open: only its one probe may go"
                        ))
                    } else {
                        Ok(())
                    }
                }
                BreakerState::Closed { .. } => Ok(()),
            },
            _ => Ok(()),
        })
    }
}

/// Invariant 5.
fn breaker_recovers(
    ledger: &SharedLedger,
    generator: &Arc<ScenarioGenerator>,
    bounds: &Bounds,
) -> impl Invariant {
    let (ledger, generator, agent) = (ledger.clone(), generator.clone(), bounds.agent.clone());
    eventually_within("breaker-recovers", bounds.recover_within, move |_now| {
        let healed_at = lock(&ledger).healed_at?;
        let state = generator.breaker_state(&agent)?;
        (!state.is_closed()).then(|| Overdue {
            since: healed_at,
            what: format!("the breaker of {agent} closing after the heal (it is {state})"),
        })
    })
}

/// Invariant 6.
struct PendingMapBounded {
    generator: Arc<ScenarioGenerator>,
    max_pending: usize,
    grace: Duration,
}

impl Invariant for PendingMapBounded {
    fn name(&self) -> &str {
        "pending-map-bounded"
    }

    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        let Some(pending) = self.generator.pending_overview() else {
            return Ok(());
        };
        if pending.len > self.max_pending {
            return Err(format!(
                "{} requests pending, above the bound of {}",
                pending.len, self.max_pending
            ));
        }
        match pending.oldest {
            Some((id, deadline)) if now > deadline + self.grace => Err(format!(
                "request {id} is still pending at {now}, {} ms after its deadline {deadline} \
                 ({} requests pending)",
                (now - deadline).as_millis(),
                pending.len
            )),
            _ => Ok(()),
        }
    }

    fn check_end(&mut self, now: Instant) -> Result<(), String> {
        self.check_step(now)?;
        match self.generator.pending_overview() {
            Some(p) if p.len > 0 => Err(format!(
                "{} requests still pending when the run ended",
                p.len
            )),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::breaker::Permit;

    fn t(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    fn ledger_of(records: Vec<Record>) -> SharedLedger {
        Arc::new(Mutex::new(Ledger {
            records,
            healed_at: None,
        }))
    }

    fn exactly_one_reply(ledger: &SharedLedger) -> ExactlyOneReply {
        ExactlyOneReply {
            stream: Stream::new(ledger),
            within: Duration::from_millis(10_350),
            open: BTreeMap::new(),
            answered: BTreeSet::new(),
        }
    }

    #[test]
    fn one_timely_reply_passes_and_a_second_or_a_late_one_fails() {
        let (id, other) = (MessageId(1), MessageId(2));
        let delivered = |at, id| Record::GenerateDelivered {
            at,
            id,
            deadline: None,
        };
        let reply = |at, request| Record::ReplyPosted { at, request };
        let ok = ledger_of(vec![delivered(t(0), id), reply(t(10_000), id)]);
        let mut inv = exactly_one_reply(&ok);
        assert_eq!(inv.check_end(t(20_000)), Ok(()));

        let twice = ledger_of(vec![delivered(t(0), id), reply(t(1), id), reply(t(2), id)]);
        let err = exactly_one_reply(&twice).check_step(t(3)).unwrap_err();
        assert!(err.contains("second reply"), "{err}");

        let late = ledger_of(vec![delivered(t(0), id), reply(t(10_351), id)]);
        assert!(exactly_one_reply(&late).check_step(t(10_351)).is_err());

        let never = ledger_of(vec![delivered(t(0), id), delivered(t(5), other)]);
        let mut inv = exactly_one_reply(&never);
        assert_eq!(inv.check_step(t(10_350)), Ok(()));
        let err = inv.check_step(t(10_351)).unwrap_err();
        assert!(err.contains("m1") && err.contains("no reply"), "{err}");
    }

    /// The first sweep at or after a request's deadline answers it: a reply a sweep tick
    /// later fails, though the bound from its delivery (timeout + sweep + grace) still holds.
    #[test]
    fn the_first_sweep_at_or_after_the_deadline_must_answer() {
        let id = MessageId(7);
        let records = |reply_at| {
            vec![
                Record::GenerateDelivered {
                    at: t(0),
                    id,
                    deadline: Some(t(10_000)),
                },
                Record::Swept { at: t(9_750) },
                Record::Swept { at: t(10_000) },
                Record::ReplyPosted {
                    at: reply_at,
                    request: id,
                },
            ]
        };
        let in_time = ledger_of(records(t(10_050)));
        let mut inv = exactly_one_reply(&in_time);
        assert_eq!(inv.check_step(t(10_050)), Ok(()));
        assert_eq!(inv.check_end(t(20_000)), Ok(()));

        let a_tick_late = ledger_of(records(t(10_250)));
        let mut inv = exactly_one_reply(&a_tick_late);
        let mut prefix = exactly_one_reply(&ledger_of(records(t(10_250))[..3].to_vec()));
        assert_eq!(prefix.check_step(t(10_100)), Ok(()));
        let err = prefix.check_step(t(10_101)).unwrap_err();
        assert!(
            err.contains("m7") && err.contains("sweep at 10.000000s"),
            "{err}"
        );
        // Checked only once the reply is in: the reply itself is judged against the sweep,
        // not only against the delivery bound (10,350 ms), which it meets.
        let err = inv.check_step(t(10_250)).unwrap_err();
        assert!(
            err.contains("m7") && err.contains("sweep at 10.000000s"),
            "{err}"
        );
    }

    #[test]
    fn a_response_applied_after_its_deadline_fails() {
        let applied = |at| Record::Applied {
            at,
            request: MessageId(3),
            deadline: t(10_000),
        };
        let mut inv = LateResponseIgnored {
            stream: Stream::new(&ledger_of(vec![applied(t(10_000))])),
        };
        assert_eq!(inv.check_step(t(10_000)), Ok(()));
        let mut inv = LateResponseIgnored {
            stream: Stream::new(&ledger_of(vec![applied(t(10_001))])),
        };
        assert!(inv.check_step(t(10_001)).is_err());
    }

    fn breaker_record(at: Instant, input: BreakerInput, state: BreakerState) -> Record {
        let admission =
            (input == BreakerInput::Acquire).then_some(Admission::Allowed(Permit::Normal));
        Record::Breaker {
            at,
            agent: "agent".into(),
            input,
            admission,
            state,
        }
    }

    #[test]
    fn sends_while_the_state_machine_says_open_fail_and_so_does_a_wrong_state() {
        let config = BreakerConfig {
            failure_threshold: 1,
            open_ms: 1_000,
        };
        let failure = BreakerInput::Failure(Permit::Normal);
        let open = BreakerState::Open { since: t(0) };
        let records = vec![
            breaker_record(t(0), failure, open),
            Record::RequestPosted { to: "agent".into() },
        ];
        let mut sends = NoSendWhileOpen {
            stream: Stream::new(&ledger_of(records.clone())),
            config: config.clone(),
            agent: "agent".into(),
            model: BreakerState::CLOSED,
            half_open_posts: 0,
        };
        let err = sends.check_step(t(1)).unwrap_err();
        assert!(err.contains("open"), "{err}");
        let mut conforms = BreakerConforms {
            stream: Stream::new(&ledger_of(records)),
            config: config.clone(),
            models: BTreeMap::new(),
        };
        assert_eq!(conforms.check_step(t(1)), Ok(()));
        let wrong = vec![breaker_record(t(0), failure, BreakerState::CLOSED)];
        let mut conforms = BreakerConforms {
            stream: Stream::new(&ledger_of(wrong)),
            config,
            models: BTreeMap::new(),
        };
        assert!(conforms.check_step(t(1)).is_err());
    }
}
