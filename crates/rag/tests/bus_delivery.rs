//! The bus in the simulation: in-order delivery, replies of synchronous handlers, the
//! delivery faults (drop, duplicate, late after the deadline), failed sends, and a blocking
//! handler blocking the bus.

use asynclife_rag::message::{Message, MessageId, Payload};
use asynclife_rag::{observe, Bus};
use asynclife_sim::fault::{FaultKind, FaultPlan, FaultRule};
use asynclife_sim::{rt, Instant, Sim, SimConfig, Verdict, ViolationKind};
use std::sync::{Arc, Mutex};
use std::time::Duration;

type Inbox = Arc<Mutex<Vec<(Instant, MessageId, Option<MessageId>)>>>;

/// Registers `agent` recording what it receives.
fn recorder(bus: &Bus, agent: &str) -> Inbox {
    let inbox = Inbox::default();
    let log = inbox.clone();
    bus.register(agent, move |m: &Message, _: &Bus| -> Option<Payload> {
        log.lock().unwrap().push((rt::now(), m.id, m.response_to));
        None
    });
    inbox
}

fn retrieve(bus: &Bus, n: u32) -> Message {
    let query = format!("q{n}");
    bus.message("asker", "agent", Payload::RetrieveDocuments { query })
}

fn config(rules: Vec<FaultRule>) -> SimConfig {
    SimConfig {
        faults: FaultPlan::new(rules),
        ..SimConfig::with_seed(1)
    }
}

#[test]
fn messages_arrive_in_order_and_a_returned_payload_is_the_response() {
    let report = Sim::new(config(vec![])).run(|| async {
        let bus = Bus::start(observe::ignore());
        let answers = recorder(&bus, "asker");
        bus.register("agent", |_: &Message, _: &Bus| -> Option<Payload> {
            Some(Payload::Documents(Ok(vec!["d".into()])))
        });
        let ids: Vec<MessageId> = (0..3).map(|n| bus.post(retrieve(&bus, n))).collect();
        rt::sleep(Duration::from_millis(1)).await;
        let got: Vec<Option<MessageId>> = answers.lock().unwrap().iter().map(|a| a.2).collect();
        assert_eq!(got, ids.iter().copied().map(Some).collect::<Vec<_>>());
        assert_eq!(bus.in_flight(), 0);
        bus.shutdown().await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn delivery_faults_drop_duplicate_and_hold_until_after_the_deadline() {
    let point = "bus.deliver.retrieve_documents";
    let rules = vec![
        FaultRule::at_point(point, FaultKind::Drop).with_at_hit(1),
        FaultRule::at_point(point, FaultKind::Duplicate).with_at_hit(2),
        FaultRule::at_point(point, FaultKind::Late { margin_ms: 500 }).with_at_hit(3),
    ];
    let report = Sim::new(config(rules)).run(|| async {
        let bus = Bus::start(observe::ignore());
        let inbox = recorder(&bus, "agent");
        let mut ids = Vec::new();
        for n in 0..4 {
            let mut m = retrieve(&bus, n);
            m.deadline = Some(rt::now() + Duration::from_secs(2));
            ids.push(bus.post(m));
        }
        rt::sleep(Duration::from_secs(3)).await;
        let got: Vec<(Instant, MessageId)> =
            inbox.lock().unwrap().iter().map(|a| (a.0, a.1)).collect();
        let late_at = Instant::from_millis(2_500);
        let t0 = Instant::ZERO;
        assert_eq!(
            got,
            [(t0, ids[1]), (t0, ids[1]), (t0, ids[3]), (late_at, ids[2])],
            "the dropped one never comes, the late one does not hold up the next"
        );
        let stats = bus.stats();
        assert_eq!(
            (stats.dropped, stats.duplicated, stats.held_late),
            (1, 1, 1)
        );
        assert_eq!(bus.in_flight(), 0);
        bus.shutdown().await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn a_failed_send_comes_back_to_the_sender_and_posts_nothing() {
    let rule = FaultRule::at_point(
        "bus.send.retrieve_documents",
        FaultKind::Error {
            error: "network".into(),
        },
    )
    .with_at_hit(1);
    let report = Sim::new(config(vec![rule])).run(|| async {
        let bus = Bus::start(observe::ignore());
        let inbox = recorder(&bus, "agent");
        let err = bus.send_message(retrieve(&bus, 0)).await.unwrap_err();
        assert!(err.to_string().contains("network"), "{err}");
        assert!(bus.send_message(retrieve(&bus, 1)).await.is_ok());
        rt::sleep(Duration::from_millis(1)).await;
        assert_eq!(inbox.lock().unwrap().len(), 1);
        assert_eq!(bus.stats().posted, 1);
        bus.shutdown().await;
    });
    assert_eq!(report.verdict, Verdict::Pass, "{:#?}", report.violations);
}

#[test]
fn a_handler_that_blocks_blocks_the_whole_bus() {
    let report = Sim::new(config(vec![])).run(|| async {
        let bus = Bus::start(observe::ignore());
        bus.register("agent", |_: &Message, _: &Bus| -> Option<Payload> {
            rt::blocking(Duration::from_secs(5));
            None
        });
        let inbox = recorder(&bus, "other");
        bus.post(retrieve(&bus, 0));
        bus.post(bus.message(
            "asker",
            "other",
            Payload::RetrieveDocuments { query: "x".into() },
        ));
        rt::sleep(Duration::from_secs(6)).await;
        let arrived = inbox.lock().unwrap()[0].0;
        assert_eq!(
            arrived,
            Instant::from_millis(5_000),
            "held up behind the blocking one"
        );
        bus.shutdown().await;
    });
    assert!(
        report.has(&ViolationKind::BlockedExecutor),
        "{:#?}",
        report.violations
    );
}
