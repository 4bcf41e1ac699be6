//! The reference implementation outside the simulation, on tokio (with paused time): a RAG
//! request is answered with documents; an agent that never answers makes requests time out
//! into the fallback, opens the breaker after five, and is then left alone.

use asynclife_rag::message::{FallbackReason, Message, Payload, Scenario, Source};
use asynclife_rag::pipeline::{PipelineConfig, PIPELINE};
use asynclife_rag::{observe, Bus, GeneratorConfig, HaystackPipeline, ScenarioGenerator, Variant};
use asynclife_sim::rt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Registers a client whose replies come out of the returned channel.
fn client(bus: &Bus) -> mpsc::UnboundedReceiver<Scenario> {
    let (tx, rx) = mpsc::unbounded_channel();
    bus.register("client", move |m: &Message, _: &Bus| -> Option<Payload> {
        if let Payload::Scenario(s) = &m.payload {
            let _ = tx.send(s.clone());
        }
        None
    });
    rx
}

fn ask(bus: &Bus, use_rag: bool) {
    let payload = Payload::GenerateScenario {
        query: "the first encounter".into(),
        use_rag,
    };
    bus.post(bus.message("client", "scenario_generator", payload));
}

#[tokio::test(start_paused = true)]
async fn a_rag_request_is_answered_with_documents() {
    assert!(!rt::in_simulation());
    let bus = Bus::start(observe::ignore());
    let mut replies = client(&bus);
    let generator = ScenarioGenerator::start(
        &bus,
        GeneratorConfig::default(),
        Variant::Fixed,
        observe::ignore(),
    );
    let pipeline = HaystackPipeline::start(&bus, PipelineConfig::default());
    let started = tokio::time::Instant::now();
    ask(&bus, true);
    let reply = replies.recv().await.unwrap();
    assert_eq!(reply.source, Source::Rag);
    assert_eq!(reply.documents, 3);
    assert!(started.elapsed() < Duration::from_secs(10));
    ask(&bus, false);
    let reply = replies.recv().await.unwrap();
    assert_eq!(
        reply.source,
        Source::Fallback(FallbackReason::RagNotRequested)
    );
    generator.shutdown().await;
    pipeline.shutdown().await;
    bus.shutdown().await;
}

#[tokio::test(start_paused = true)]
async fn a_silent_agent_times_out_then_the_breaker_keeps_requests_away() {
    let bus = Bus::start(observe::ignore());
    let mut replies = client(&bus);
    let asked = Arc::new(AtomicU64::new(0));
    let count = asked.clone();
    bus.register(PIPELINE, move |_: &Message, _: &Bus| -> Option<Payload> {
        count.fetch_add(1, Ordering::Relaxed);
        None
    });
    let config = GeneratorConfig::default();
    let generator = ScenarioGenerator::start(&bus, config, Variant::Fixed, observe::ignore());
    for _ in 0..5 {
        let started = tokio::time::Instant::now();
        ask(&bus, true);
        let reply = replies.recv().await.unwrap();
        assert_eq!(reply.source, Source::Fallback(FallbackReason::TimedOut));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_secs(10) && waited <= Duration::from_millis(10_400));
    }
    assert!(!generator.breaker_state(PIPELINE).unwrap().is_closed());
    ask(&bus, true);
    let reply = replies.recv().await.unwrap();
    assert_eq!(reply.source, Source::Fallback(FallbackReason::BreakerOpen));
    assert_eq!(
        asked.load(Ordering::Relaxed),
        5,
        "the open breaker kept the sixth away"
    );
    assert!(generator.is_idle());
    generator.shutdown().await;
    bus.shutdown().await;
}
