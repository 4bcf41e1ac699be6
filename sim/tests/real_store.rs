//! Real mode's store: `rt::kv` outside a simulation, in memory and on a Redis server the test
//! starts itself (skipped, and said so, when `redis-server` is not installed), with the same
//! answers as the simulated store and TTLs in scaled time.

use asynclife_sim::real::{self, RealConfig, RedisServer, StoreKind};
use asynclife_sim::rt::kv;
use asynclife_sim::world::{KvError, Ttl};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Every command once, with the answers the simulated store gives; returns the keys the
/// store holds at the end, as `inspect` sees them.
async fn exercise() -> Vec<(String, Option<Duration>)> {
    let hour = Duration::from_secs(3_600);
    assert_eq!(kv::get("s").await, Ok(None));
    kv::set("s", "v", None).await.unwrap();
    assert_eq!(kv::get("s").await, Ok(Some("v".into())));
    assert_eq!(kv::ttl("s").await, Ok(Ttl::Persistent));
    assert_eq!(kv::expire("s", hour).await, Ok(true));
    assert!(
        matches!(kv::ttl("s").await, Ok(Ttl::ExpiresIn(left)) if left <= hour && left > hour / 2)
    );
    assert_eq!(kv::expire("missing", hour).await, Ok(false));
    assert_eq!(kv::ttl("missing").await, Ok(Ttl::Missing));
    assert_eq!(kv::hset("h", &[("a", "1"), ("b", "2")]).await, Ok(2));
    assert_eq!(kv::hset("h", &[("a", "3")]).await, Ok(0));
    assert_eq!(kv::hget("h", "a").await, Ok(Some("3".into())));
    let all: BTreeMap<String, String> = [("a", "3"), ("b", "2")]
        .map(|(f, v)| (f.to_string(), v.to_string()))
        .into();
    assert_eq!(kv::hgetall("h").await, Ok(all));
    assert_eq!(kv::hdel("h", &["a", "zz"]).await, Ok(1));
    assert_eq!(
        kv::get("h").await,
        Err(kv::Error::Store(KvError::WrongType { key: "h".into() }))
    );
    kv::set("agent:1:pid", "1234", Some(Duration::from_secs(7_200)))
        .await
        .unwrap();
    kv::set("agent:2:pid", "1235", None).await.unwrap();
    assert_eq!(
        kv::keys("agent:").await,
        Ok(vec!["agent:1:pid".into(), "agent:2:pid".into()])
    );
    assert_eq!(kv::exists("agent:2:pid").await, Ok(true));
    assert_eq!(kv::del(&["agent:2:pid", "nope"]).await, Ok(1));
    // An expired key is gone: 1 scaled second is 10 ms here.
    kv::set("brief", "x", Some(Duration::from_secs(1)))
        .await
        .unwrap();
    asynclife_sim::rt::sleep(Duration::from_secs(3)).await;
    assert_eq!(kv::exists("brief").await, Ok(false));
    kv::inspect(|store, now| {
        store
            .entries(now)
            .map(|(key, _, expires_at)| (key.to_owned(), expires_at.map(|at| at - now)))
            .collect()
    })
}

fn check(config: RealConfig, expected_store: StoreKind) {
    let keys = Arc::new(Mutex::new(Vec::new()));
    let out = keys.clone();
    let report = real::run(&config, || async move {
        *out.lock().unwrap() = exercise().await;
    })
    .expect("a valid configuration");
    assert!(report.passed(), "{:#?}", report.violations);
    assert_eq!(report.store, expected_store);
    let keys = keys.lock().unwrap();
    let names: Vec<&str> = keys.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["agent:1:pid", "h", "s"]);
    let pid_ttl = keys[0].1.expect("the PID key has a TTL");
    assert!(
        pid_ttl > Duration::from_secs(7_000) && pid_ttl <= Duration::from_secs(7_200),
        "a 7200 s TTL is seen in scaled time: {pid_ttl:?}"
    );
    assert_eq!(report.keys_left, names);
}

#[test]
fn the_in_memory_store_answers_as_the_simulated_one() {
    check(RealConfig::default(), StoreKind::Memory);
}

#[test]
fn redis_answers_as_the_simulated_store() {
    let Some(server) = RedisServer::start().expect("redis-server starts") else {
        eprintln!("redis-server is not installed: the Redis variant is skipped");
        return;
    };
    let config = RealConfig {
        redis_url: Some(server.url()),
        ..RealConfig::default()
    };
    check(config, StoreKind::Redis { url: server.url() });
}

/// An unreachable server is an error when the run starts, naming the URL: not a hang.
#[test]
fn an_unreachable_redis_is_an_error_at_the_start_naming_its_url() {
    let url = "redis://127.0.0.1:1/0".to_string();
    let config = RealConfig {
        redis_url: Some(url.clone()),
        ..RealConfig::default()
    };
    let error = match real::run(&config, || async {}) {
        Ok(report) => panic!("a run on an unreachable Redis started: {:?}", report.store),
        Err(e) => e.to_string(),
    };
    assert!(error.contains(&url), "{error}");
    assert!(error.contains("cannot reach Redis"), "{error}");
}
