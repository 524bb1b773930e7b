//! Timings of the engine with divan (`cargo bench --bench engine`): the
//! bare event loop, the ranking study on one thread and on all, and the
//! ranking study on meshes of about 30, 300 and 3,000 clusters, each in
//! events per second ("item/s"); and the exact answers of the ranking
//! study on meshes of 300, 3,000 and 10,000 clusters.
//!
//! These are for looking closer at one piece. The target ratios of issue 4
//! come from `benches/ratios.rs`, which measures them all in one run.

mod common;

use divan::counter::ItemsCount;
use divan::Bencher;

fn main() {
    divan::main();
}

/// Replications of the ten-year ranking study per iteration (~360,000
/// events).
const RANKING_REPLICATIONS: u64 = 64;

/// Cluster-replications per mesh iteration: about as many events as
/// [`RANKING_REPLICATIONS`] of the ranking study, whatever the mesh size.
const CLUSTER_REPLICATIONS: u32 = 2_000;

#[divan::bench(sample_count = 10, sample_size = 1)]
fn bare_loop(bencher: Bencher) {
    let model = common::ranking_model();
    let events = common::bare_loop(&model, RANKING_REPLICATIONS);
    bencher
        .counter(ItemsCount::new(events))
        .bench(|| common::bare_loop(&model, RANKING_REPLICATIONS));
}

/// The ranking study; 0 threads means one per core.
#[divan::bench(args = [1, 0], sample_count = 10, sample_size = 1)]
fn ranking(bencher: Bencher, threads: usize) {
    let model = common::ranking_model();
    let events = common::simulate(
        &model,
        RANKING_REPLICATIONS,
        threads,
        meshsim::engine::KEPT_INCIDENTS,
    );
    bencher.counter(ItemsCount::new(events)).bench(|| {
        common::simulate(
            &model,
            RANKING_REPLICATIONS,
            threads,
            meshsim::engine::KEPT_INCIDENTS,
        )
    });
}

/// The ranking study on a larger mesh, one thread, keeping no incident rows
/// (see `benches/ratios.rs`).
#[divan::bench(args = common::MESHES, sample_count = 5, sample_size = 1)]
fn mesh(bencher: Bencher, clusters: u32) {
    let model = common::model_of(&common::ranking_on(clusters, "10y"));
    let replications = u64::from((CLUSTER_REPLICATIONS / clusters).max(1));
    let events = common::simulate(&model, replications, 1, 0);
    bencher
        .counter(ItemsCount::new(events))
        .bench(|| common::simulate(&model, replications, 1, 0));
}

/// The exact answers of the ranking study on a larger mesh (one thread):
/// per-zone and per-region sums keep them linear in the clusters.
#[divan::bench(args = common::EXACT_MESHES, sample_count = 5, sample_size = 1)]
fn exact(bencher: Bencher, clusters: u32) {
    let model = common::model_of(&common::ranking_on(clusters, "10y"));
    bencher.bench(|| meshsim::model::exact::unavailability(&model));
}
