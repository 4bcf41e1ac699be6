//! A panic in a task's poll unwinds out of the step loop to the one `catch_unwind` of the run,
//! which files it as the task's result and resumes the loop. These check what that must keep:
//! the run goes on after each panic, each panic names its own place, and a panic that is not a
//! task's (an invariant's) still ends the run by unwinding out of `Sim::run`.

use asynclife_sim::check::Invariant;
use asynclife_sim::time::Instant;
use asynclife_sim::{rt, Sim, SimConfig, ViolationKind};
use std::time::Duration;

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn the_run_goes_on_after_each_panic_and_every_panic_is_filed() {
    let report = Sim::new(SimConfig::with_seed(11)).run(|| async {
        let mut handles = Vec::new();
        for i in 0..5u64 {
            handles.push(rt::spawn("doomed", async move {
                rt::sleep(ms(i + 1)).await;
                panic!("doomed {i}");
            }));
        }
        let survivor = rt::spawn("survivor", async {
            rt::sleep(ms(20)).await;
            7
        });
        for (i, handle) in handles.into_iter().enumerate() {
            let err = handle.await.expect_err("it panicked");
            assert_eq!(err.panic_message(), Some(format!("doomed {i}").as_str()));
        }
        assert_eq!(
            survivor.await.unwrap(),
            7,
            "the run went on after the panics"
        );
        assert_eq!(rt::now().since_start(), ms(20));
    });
    assert!(report.violations.is_empty(), "{:#?}", report.violations);
    let panics = report
        .trace
        .events()
        .iter()
        .filter(|e| matches!(e.kind, asynclife_sim::trace::EventKind::Panic { .. }))
        .count();
    assert_eq!(panics, 5);
}

#[test]
fn a_panic_names_its_own_place_even_after_the_task_caught_one_of_its_own() {
    let report = Sim::new(SimConfig::with_seed(12)).run(|| async {
        drop(rt::spawn("careless", async {
            // Caught by the task itself: the hook notes its place, which must not stick.
            let caught = std::panic::catch_unwind(|| panic!("caught by the task"));
            assert!(caught.is_err());
            rt::sleep(ms(1)).await;
            let line = line!() + 1;
            panic!("the real one at line {line}");
        }));
        rt::sleep(ms(5)).await;
    });
    assert_eq!(report.violations.len(), 1, "{:#?}", report.violations);
    let v = &report.violations[0];
    assert_eq!(v.kind, ViolationKind::UnobservedPanic);
    let line: u32 = v
        .message
        .rsplit("at line ")
        .next()
        .and_then(|l| l.parse().ok())
        .expect("the message carries the panic's own text");
    assert!(
        v.message.contains(&format!("panic_unwinding.rs:{line}")),
        "{}",
        v.message
    );
}

struct Exploding;

impl Invariant for Exploding {
    fn name(&self) -> &str {
        "exploding"
    }

    fn check_step(&mut self, now: Instant) -> Result<(), String> {
        if now.since_start() >= ms(3) {
            panic!("an invariant's own bug");
        }
        Ok(())
    }
}

#[test]
fn a_panic_outside_a_poll_still_unwinds_out_of_the_run() {
    let outcome = std::panic::catch_unwind(|| {
        Sim::new(SimConfig::with_seed(13)).run(|| async {
            rt::invariant(Exploding);
            rt::sleep(ms(5)).await;
        })
    });
    let payload = outcome.expect_err("the invariant's panic is not a task's");
    assert_eq!(
        payload.downcast_ref::<&str>().copied(),
        Some("an invariant's own bug")
    );
}
