//! Property tests of the scenario front end (issue 5): generated valid
//! scenarios — both topology forms, every distribution form, every
//! deployment form, with and without config changes, claims and overrides
//! — and single-field mutations of them.
//!
//! 1. A valid scenario survives serialise → parse unchanged: the text
//!    written back (as `scenario.yaml` in every results folder) parses and
//!    builds to the same model, and writes the same text again.
//! 2. Any single-field mutation of a valid scenario — a value replaced by
//!    a hostile one, a key removed, renamed or added, a list item dropped
//!    or repeated — is either accepted (and then builds a finite model) or
//!    refused with `file:line:col: <field path>: message`: never a panic,
//!    never an error without a path (those are for YAML syntax errors, and
//!    serialised text has none).
//! 3. A value replaced by `--set PATH=VALUE` instead of in the file (the
//!    item picked by index or by name) gives the same scenario, or the
//!    same error: on the override when it lies inside what the override
//!    wrote, on the file otherwise.
//!
//! Case counts keep the module at a few seconds in release.

use meshsim::model;
use meshsim::plan::estimate;
use meshsim::scenario::duration::{Duration, Rate};
use meshsim::scenario::file::*;
use meshsim::scenario::{Document, Override};
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use serde_yaml_ng::Value;

// ------------------------------------------------------------ generators

fn duration(text: String) -> Duration {
    Duration::parse(&text).unwrap_or_else(|e| panic!("generator wrote `{text}`: {e}"))
}

/// A positive duration of at least 1 ms, in any unit, sometimes decimal.
fn any_duration() -> impl Strategy<Value = Duration> {
    (
        1u32..2000,
        select(vec!["ms", "s", "m", "h", "d", "w", "mo", "y"]),
        prop::option::of(1u8..10),
    )
        .prop_map(|(n, unit, frac)| match frac {
            Some(f) => duration(format!("{n}.{f}{unit}")),
            None => duration(format!("{n}{unit}")),
        })
}

fn blank(dist: DistKind) -> DistSpec {
    DistSpec {
        dist,
        mean: None,
        rate: None,
        shape: None,
        scale: None,
        median: None,
        p95: None,
        p99: None,
        mu: None,
        sigma: None,
        value: None,
        min: None,
        max: None,
    }
}

/// Every distribution in every parameter form of the format.
fn any_dist() -> BoxedStrategy<DistSpec> {
    let unit = || select(vec!["s", "m", "h", "d", "w", "mo", "y"]);
    prop_oneof![
        any_duration().prop_map(|m| DistSpec {
            mean: Some(m),
            ..blank(DistKind::Exponential)
        }),
        (1u32..100, unit()).prop_map(|(n, u)| DistSpec {
            rate: Some(Rate::parse(&format!("{n}/{u}")).expect("rate")),
            ..blank(DistKind::Exponential)
        }),
        (0.3f64..4.0, any_duration(), any::<bool>()).prop_map(|(shape, d, by_mean)| {
            let mut s = blank(DistKind::Weibull);
            s.shape = Some(shape);
            if by_mean {
                s.mean = Some(d);
            } else {
                s.scale = Some(d);
            }
            s
        }),
        (1u32..1000, 2u32..50, unit(), any::<bool>()).prop_map(|(median, k, u, p95)| {
            let mut s = blank(DistKind::Lognormal);
            s.median = Some(duration(format!("{median}{u}")));
            let q = Some(duration(format!("{}{u}", median * k)));
            if p95 {
                s.p95 = q;
            } else {
                s.p99 = q;
            }
            s
        }),
        (-2.0f64..8.0, 0.1f64..2.0).prop_map(|(mu, sigma)| DistSpec {
            mu: Some(mu),
            sigma: Some(sigma),
            ..blank(DistKind::Lognormal)
        }),
        any_duration().prop_map(|v| DistSpec {
            value: Some(v),
            ..blank(DistKind::Fixed)
        }),
        (0u32..100, 1u32..100, unit()).prop_map(|(min, width, u)| DistSpec {
            min: Some(duration(format!("{min}{u}"))),
            max: Some(duration(format!("{}{u}", min + width))),
            ..blank(DistKind::Uniform)
        }),
    ]
    .boxed()
}

fn any_process() -> BoxedStrategy<ProcessSpec> {
    (any_dist(), any_dist())
        .prop_map(|(failure, repair)| ProcessSpec { failure, repair })
        .boxed()
}

fn some_process() -> impl Strategy<Value = Option<ProcessSpec>> {
    prop::option::weighted(0.6, any_process())
}

/// `spec.failures`: every kind may be given.
fn any_failures() -> BoxedStrategy<Failures> {
    (
        some_process(),
        some_process(),
        some_process(),
        some_process(),
        some_process(),
        some_process(),
        some_process(),
    )
        .prop_map(|(r, z, c, a, cp, g, s)| Failures {
            region: r,
            zone: z,
            cluster: c,
            api_server: a,
            control_plane: cp,
            east_west_gateway: g,
            external_site: s,
            control_plane_common: None,
            ca: None,
        })
        .boxed()
}

/// An override block with only the kinds `allowed` (0 region, 1 zone,
/// 2 cluster, 3 apiServer, 4 controlPlane, 5 eastWestGateway, 6 site).
fn overrides(allowed: &'static [usize]) -> impl Strategy<Value = Option<Failures>> {
    prop::option::weighted(0.3, any_failures()).prop_map(move |f| {
        f.map(|mut f| {
            let slots: [&mut Option<ProcessSpec>; 7] = [
                &mut f.region,
                &mut f.zone,
                &mut f.cluster,
                &mut f.api_server,
                &mut f.control_plane,
                &mut f.east_west_gateway,
                &mut f.external_site,
            ];
            for (i, slot) in slots.into_iter().enumerate() {
                if !allowed.contains(&i) {
                    *slot = None;
                }
            }
            f
        })
    })
}

/// Names with characters YAML must quote.
fn odd_name() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9 :#&*!|>'\"%@,\\[\\]{}-]{0,8}[a-z0-9]"
}

/// External sites, some with overrides.
fn any_sites() -> BoxedStrategy<Vec<SiteSpec>> {
    prop::collection::vec(overrides(&[4, 6]), 0..3)
        .prop_map(|o| {
            o.into_iter()
                .enumerate()
                .map(|(i, failures)| SiteSpec {
                    name: format!("site-{i}"),
                    failures,
                })
                .collect()
        })
        .boxed()
}

/// A topology in either form, with its cluster and site names.
fn any_topology() -> BoxedStrategy<(Topology, Vec<String>, Vec<String>)> {
    let generated = (
        1u32..4,
        1u32..3,
        1u32..3,
        1u64..1000,
        prop::option::of(select(vec![
            NetworkLayout::Single,
            NetworkLayout::PerRegion,
            NetworkLayout::PerZone,
            NetworkLayout::PerCluster,
        ])),
        any_sites(),
        any::<bool>(),
    )
        .prop_map(|(r, z, c, proxies, networks, sites, regional)| {
            let mut clusters = Vec::new();
            for ri in 1..=r {
                if regional {
                    clusters.extend((1..=c).map(|ci| format!("r{ri}-c{ci}")));
                    continue;
                }
                for zi in 1..=z {
                    for ci in 1..=c {
                        clusters.push(format!("r{ri}-z{zi}-c{ci}"));
                    }
                }
            }
            // Regional clusters span zones: no network per zone.
            let networks = networks.map(|n| match n {
                NetworkLayout::PerZone if regional => NetworkLayout::PerCluster,
                n => n,
            });
            let site_names = sites.iter().map(|s| s.name.clone()).collect();
            let topo = Topology {
                regions: Regions::Count(r),
                zones_per_region: Some(z),
                clusters_per_zone: Some(c).filter(|_| !regional),
                clusters_per_region: Some(c).filter(|_| regional),
                proxies_per_cluster: Some(proxies),
                networks,
                external_sites: sites,
            };
            (topo, clusters, site_names)
        });
    let cluster = || {
        (
            prop::option::of(1u64..1000),
            prop::option::of(select(vec!["net-a", "net b", "net:c"])),
            overrides(&[2, 3, 4, 5]),
        )
    };
    let zone = (prop::collection::vec(cluster(), 1..3), overrides(&[1]));
    // Regional clusters span every zone of their region, in order or
    // reversed.
    let regional = prop::collection::vec((cluster(), any::<bool>()), 0..3);
    let region = (prop::collection::vec(zone, 1..3), overrides(&[0]), regional);
    let explicit = (
        prop::collection::vec(region, 1..3),
        prop::option::of(1u64..1000),
        odd_name(),
        any_sites(),
    )
        .prop_map(|(regions, default_proxies, prefix, sites)| {
            let mut clusters = Vec::new();
            let regions = regions
                .into_iter()
                .enumerate()
                .map(|(ri, (zones, failures, regional))| RegionSpec {
                    name: format!("region-{ri}"),
                    failures,
                    clusters: {
                        let names: Vec<String> = (0..zones.len())
                            .map(|zi| format!("region-{ri}-zone-{zi}"))
                            .collect();
                        regional
                            .into_iter()
                            .enumerate()
                            .map(|(k, ((proxies, network, failures), reversed))| {
                                let name = format!("{prefix}{ri}g{k}");
                                clusters.push(name.clone());
                                let mut span = names.clone();
                                if reversed {
                                    span.reverse();
                                }
                                ClusterSpec {
                                    name,
                                    proxies: match default_proxies {
                                        None => proxies.or(Some(7)),
                                        Some(_) => proxies,
                                    },
                                    network: network.map(String::from),
                                    zones: Some(span),
                                    failures,
                                }
                            })
                            .collect()
                    },
                    zones: zones
                        .into_iter()
                        .enumerate()
                        .map(|(zi, (cs, failures))| ZoneSpec {
                            name: format!("region-{ri}-zone-{zi}"),
                            failures,
                            clusters: cs
                                .into_iter()
                                .enumerate()
                                .map(|(ci, (proxies, network, failures))| {
                                    let name = format!("{prefix}{ri}{zi}{ci}");
                                    clusters.push(name.clone());
                                    ClusterSpec {
                                        name,
                                        // Without a default every cluster says.
                                        proxies: match default_proxies {
                                            None => proxies.or(Some(7)),
                                            Some(_) => proxies,
                                        },
                                        network: network.map(String::from),
                                        zones: None,
                                        failures,
                                    }
                                })
                                .collect(),
                        })
                        .collect(),
                })
                .collect();
            let site_names = sites.iter().map(|s| s.name.clone()).collect();
            let topo = Topology {
                regions: Regions::List(regions),
                zones_per_region: None,
                clusters_per_zone: None,
                clusters_per_region: None,
                proxies_per_cluster: default_proxies,
                networks: None,
                external_sites: sites,
            };
            (topo, clusters, site_names)
        });
    prop_oneof![generated, explicit].boxed()
}

fn any_failover() -> impl Strategy<Value = Failover> {
    select(vec![
        Failover::None,
        Failover::Domain,
        Failover::Region,
        Failover::Mesh,
    ])
}

/// One deployment of any form, on `clusters` and `sites`.
fn any_deployment(
    name: String,
    clusters: Vec<String>,
    sites: Vec<String>,
) -> BoxedStrategy<DeploymentSpec> {
    let n = name.clone();
    let per = (
        select(vec![Per::Region, Per::Zone, Per::Cluster]),
        prop::option::of(1u32..4),
        prop::option::of(any_failover()),
        any::<bool>(),
    )
        .prop_map(move |(per, count, failover, inner)| DeploymentSpec {
            name: n.clone(),
            control_planes: ControlPlanesSpec {
                per: Some(per),
                count,
                failover: failover.filter(|_| inner),
                ..ControlPlanesSpec::default()
            },
            failover: failover.filter(|_| !inner),
        });
    let cs = clusters.clone();
    let instances = (1usize..4)
        .prop_flat_map(move |k| {
            let hosts = clusters
                .iter()
                .map(|c| (Some(c.clone()), None))
                .chain(sites.iter().map(|s| (None, Some(s.clone()))))
                .collect::<Vec<_>>();
            let per_cluster = prop::collection::vec(
                (0..k).prop_flat_map(move |first| {
                    subsequence((0..k).collect::<Vec<_>>(), 0..k)
                        .prop_map(move |rest| {
                            let mut l = vec![first];
                            l.extend(rest.into_iter().filter(|&i| i != first));
                            l
                        })
                        .prop_shuffle()
                }),
                cs.len(),
            );
            (
                prop::collection::vec((select(hosts), prop::option::of(select(cs.clone()))), k),
                per_cluster,
                Just(cs.clone()),
            )
        })
        .prop_map(move |(hosts, lists, cs)| {
            let instances = hosts
                .into_iter()
                .enumerate()
                .map(|(i, ((cluster, site), config))| InstanceSpec {
                    name: format!("cp-{i}"),
                    cluster,
                    site,
                    config_cluster: config,
                    replicas: None,
                })
                .collect();
            let attach = cs
                .into_iter()
                .zip(lists)
                .map(|(c, l)| (c, l.into_iter().map(|i| format!("cp-{i}")).collect()))
                .collect();
            DeploymentSpec {
                name: name.clone(),
                control_planes: ControlPlanesSpec {
                    instances: Some(instances),
                    attach: Some(attach),
                    ..ControlPlanesSpec::default()
                },
                failover: None,
            }
        });
    prop_oneof![per, instances].boxed()
}

/// An external placement (the topology must have sites).
fn external_deployment(
    name: String,
    clusters: Vec<String>,
    sites: Vec<String>,
) -> impl Strategy<Value = DeploymentSpec> {
    let k = sites.len();
    (
        subsequence(sites, 1..=k).prop_shuffle(),
        1u32..3,
        prop::option::of(select(clusters)),
        prop::option::of(any_failover()),
    )
        .prop_map(
            move |(sites, count_per_site, config_cluster, failover)| DeploymentSpec {
                name: name.clone(),
                control_planes: ControlPlanesSpec {
                    external: Some(ExternalSpec {
                        sites,
                        count_per_site,
                        config_cluster,
                    }),
                    failover,
                    ..ControlPlanesSpec::default()
                },
                failover: None,
            },
        )
}

fn any_measure(bad_config: bool) -> impl Strategy<Value = Measure> {
    let mut all = vec![
        Measure::Config,
        Measure::PodStart,
        Measure::Endpoints,
        Measure::Traffic,
    ];
    if bad_config {
        all.push(Measure::BadConfig);
    }
    select(all)
}

fn any_config_changes() -> BoxedStrategy<Option<ConfigChangesSpec>> {
    prop::option::weighted(
        0.3,
        (
            1u32..50,
            0.01f64..=1.0,
            prop::option::of(any_duration()),
            any_duration(),
            prop::option::of(any_duration()),
        )
            .prop_map(
                |(rate, bad_share, interval, detect, rollback)| ConfigChangesSpec {
                    rate: Rate::parse(&format!("{rate}/w")).expect("rate"),
                    bad_share,
                    rollout: RolloutSpec {
                        order: if interval.is_some() {
                            RolloutOrder::Sequential
                        } else {
                            RolloutOrder::Parallel
                        },
                        interval,
                    },
                    detect,
                    rollback,
                },
            ),
    )
    .boxed()
}

/// A valid scenario file.
fn any_scenario() -> BoxedStrategy<ScenarioFile> {
    let head = (
        "[a-z0-9][a-z0-9._-]{0,20}",
        prop::option::of("\\PC{0,30}"),
        any::<u64>(),
        (1u32..5000, select(vec!["h", "d", "w", "mo", "y"])),
        prop::option::of(any_duration()),
        prop::option::of((2u64..100_000).prop_map(Some)),
        (1u32..=10, 1u64..=48).prop_map(|(g, ttl)| ProxySpec {
            cert_ttl: duration(format!("{ttl}h")),
            cert_grace_ratio: f64::from(g) / 10.0,
        }),
    );
    (head, any_topology(), any_failures(), any_config_changes())
        .prop_flat_map(
            |(head, (topology, clusters, sites), failures, config_changes)| {
                let (name, description, seed, (h, unit), warmup, replications, proxy) = head;
                let bad = config_changes.is_some();
                let deployments = (1usize..4).prop_flat_map(move |n| {
                    (0..n)
                        .map(|i| {
                            let name = format!("dep {i}: {}", ["a", "b#", "c&"][i % 3]);
                            if !sites.is_empty() && i == 1 {
                                external_deployment(name, clusters.clone(), sites.clone()).boxed()
                            } else {
                                any_deployment(name, clusters.clone(), sites.clone())
                            }
                        })
                        .collect::<Vec<_>>()
                });
                let replication = match replications {
                    Some(n) => Just((n, None)).boxed(),
                    None => (0.001f64..0.9, any_measure(bad), 2u64..1_000_000)
                        .prop_map(|(w, measure, max)| {
                            (
                                None,
                                Some(Precision {
                                    relative_half_width: w,
                                    measure,
                                    max_replications: max,
                                }),
                            )
                        })
                        .boxed(),
                };
                // `per: zone` needs zonal clusters.
                let regional = topology.clusters_per_region.is_some()
                    || matches!(&topology.regions, Regions::List(l) if l.iter().any(|r| !r.clusters.is_empty()));
                (deployments, replication).prop_flat_map(move |(mut deployments, (reps, precision))| {
                    for d in deployments.iter_mut().filter(|_| regional) {
                        if d.control_planes.per == Some(Per::Zone) {
                            d.control_planes.per = Some(Per::Region);
                        }
                    }
                    let names: Vec<String> = deployments.iter().map(|d| d.name.clone()).collect();
                    let expect = if names.len() < 2 {
                        Just(Vec::new()).boxed()
                    } else {
                        let k = names.len();
                        prop::collection::vec(
                            (any_measure(bad), subsequence(names, 2..=k).prop_shuffle())
                                .prop_map(|(measure, order)| Expect { measure, order }),
                            0..3,
                        )
                        .boxed()
                    };
                    let spec = Spec {
                        seed,
                        horizon: duration(format!("{h}{unit}")),
                        warmup: warmup.clone(),
                        replications: reps,
                        precision,
                        topology: topology.clone(),
                        failures: failures.clone(),
                        proxy: proxy.clone(),
                        certificates: None,
                        deployments,
                        config_changes: config_changes.clone(),
                        expect: Vec::new(),
                        sweep: None,
                    };
                    let file = ScenarioFile {
                        api_version: "meshsim/v1alpha1".into(),
                        kind: "Scenario".into(),
                        metadata: Metadata {
                            name: name.clone(),
                            description: description.clone(),
                        },
                        spec,
                    };
                    (Just(file), expect).prop_map(|(mut file, expect)| {
                        file.spec.expect = expect;
                        file
                    })
                })
            },
        )
        .boxed()
}

// ------------------------------------------------------------ properties

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        max_shrink_iters: 2000,
        // What a failure found is pinned as a named test below, not in a
        // seed file.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Parses and builds `text`; the rendered error on failure.
fn accept(text: &str) -> Result<(Document, model::Model), String> {
    let doc = Document::parse(text, "test.yaml").map_err(|e| e.to_string())?;
    match model::build(&doc.file) {
        Ok(m) => Ok((doc, m)),
        Err(e) => Err(doc.locate(e).to_string()),
    }
}

/// What every accepted model must be: finite where the engine divides,
/// and sized without a panic.
fn check_model(m: &model::Model) {
    assert!(m.horizon_hours.is_finite() && m.horizon_hours > 0.0);
    for c in &m.components {
        if let Some(p) = &c.process {
            for d in [&p.failure, &p.repair] {
                let mean = d.mean();
                assert!(mean.is_finite() && mean > 0.0, "{}: {d:?}", c.name);
            }
        }
    }
    let e = estimate::estimate(m, None, meshsim::engine::KEPT_INCIDENTS);
    assert!(e.events >= 0.0 && e.memory_bytes > 0.0, "{e:?}");
    let _ = estimate::check(&e, false);
}

proptest! {
    #![proptest_config(config(500))]

    /// serialise → parse → build gives the same model and the same text.
    #[test]
    fn valid_scenarios_survive_serialise_and_parse(file in any_scenario()) {
        let built = model::build(&file);
        prop_assert!(built.is_ok(), "generated scenario refused: {:?}", built.err());
        let built = built.expect("checked");
        let text = serde_yaml_ng::to_string(&file).expect("serialises");
        let (doc, again) = accept(&text)
            .unwrap_or_else(|e| panic!("the written scenario is refused: {e}\n{text}"));
        let text2 = serde_yaml_ng::to_string(&doc.file).expect("serialises");
        prop_assert_eq!(&text, &text2);
        prop_assert_eq!(format!("{built:?}"), format!("{again:?}"));
        check_model(&again);
    }
}

/// One step into a YAML value.
#[derive(Clone, Debug)]
enum Step {
    Key(Value),
    Item(usize),
}

/// Every node below `v`, as the steps that reach it.
fn nodes(v: &Value, here: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match v {
        Value::Mapping(m) => {
            for (k, child) in m {
                here.push(Step::Key(k.clone()));
                out.push(here.clone());
                nodes(child, here, out);
                here.pop();
            }
        }
        Value::Sequence(s) => {
            for (i, child) in s.iter().enumerate() {
                here.push(Step::Item(i));
                out.push(here.clone());
                nodes(child, here, out);
                here.pop();
            }
        }
        _ => {}
    }
}

/// The container holding the last step of `path`.
fn parent<'v>(root: &'v mut Value, path: &[Step]) -> &'v mut Value {
    let mut v = root;
    for step in &path[..path.len() - 1] {
        v = match (step, v) {
            (Step::Key(k), Value::Mapping(m)) => m.get_mut(k).expect("key"),
            (Step::Item(i), Value::Sequence(s)) => &mut s[*i],
            _ => unreachable!("paths come from the value"),
        };
    }
    v
}

/// Values a mistyped or hostile file might hold anywhere.
fn hostile_value() -> impl Strategy<Value = Value> {
    let y = |s: &str| serde_yaml_ng::from_str::<Value>(s).expect("literal");
    select(vec![
        y("-1"),
        y("0"),
        y("1"),
        y("2.5"),
        y("18446744073709551615"),
        y("1e300"),
        y(".nan"),
        y("-.inf"),
        y("''"),
        y("x"),
        y("'  '"),
        y("1h"),
        y("-5h"),
        y("0s"),
        y("0.0001ms"),
        y("1e308y"),
        y("4/y"),
        y("0/y"),
        y("true"),
        y("~"),
        y("[]"),
        y("{}"),
        y("[x, x]"),
        y("{a: b}"),
        y("r1-z1-c1"),
        y("cluster"),
        y("mesh"),
        y("weibull"),
        y("config"),
        y("site-0"),
        y("cp-0"),
        y("dep 0: a"),
    ])
}

/// A single-field change.
#[derive(Clone, Debug)]
enum Mutation {
    /// The value at the place becomes this.
    Replace(Value),
    /// The key (or list item) is removed.
    Remove,
    /// The key is misspelled.
    Rename,
    /// A key no type has is added beside it.
    AddUnknown,
    /// A list item is given twice.
    Repeat,
}

fn any_mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        6 => hostile_value().prop_map(Mutation::Replace),
        3 => Just(Mutation::Remove),
        1 => Just(Mutation::Rename),
        1 => Just(Mutation::AddUnknown),
        1 => Just(Mutation::Repeat),
    ]
}

fn mutate(root: &mut Value, path: &[Step], mutation: &Mutation) {
    let last = path.last().expect("non-empty").clone();
    let container = parent(root, path);
    match (container, last) {
        (Value::Mapping(m), Step::Key(k)) => match mutation {
            Mutation::Replace(v) => {
                m.insert(k, v.clone());
            }
            Mutation::Remove => {
                m.remove(&k);
            }
            Mutation::Rename => {
                if let Some(v) = m.remove(&k) {
                    let name = format!("{}x", k.as_str().unwrap_or("key"));
                    m.insert(Value::String(name), v);
                }
            }
            Mutation::AddUnknown | Mutation::Repeat => {
                m.insert(Value::String("surprise".into()), Value::Bool(true));
            }
        },
        (Value::Sequence(s), Step::Item(i)) => match mutation {
            Mutation::Replace(v) => s[i] = v.clone(),
            Mutation::Remove => {
                s.remove(i);
            }
            Mutation::Repeat | Mutation::Rename => {
                let item = s[i].clone();
                s.insert(i, item);
            }
            Mutation::AddUnknown => {
                if let Value::Mapping(m) = &mut s[i] {
                    m.insert(Value::String("surprise".into()), Value::Bool(true));
                }
            }
        },
        _ => unreachable!("paths come from the value"),
    }
}

/// `file:line:col: path: message` with a real path and a position inside
/// the text.
fn assert_names_a_field(err: &str, text: &str) {
    let rest = err
        .strip_prefix("test.yaml:")
        .unwrap_or_else(|| panic!("no origin: {err}"));
    let mut parts = rest.splitn(3, ':');
    let line: usize = parts.next().and_then(|l| l.parse().ok()).expect("line");
    let col: usize = parts
        .next()
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no column: {err}"));
    let lines = text.lines().count().max(1);
    assert!(
        (1..=lines + 1).contains(&line) && col >= 1,
        "position {line}:{col} outside the text ({lines} lines): {err}"
    );
    let rest = parts.next().expect("message");
    let (path, message) = rest
        .strip_prefix(' ')
        .and_then(|r| r.split_once(": "))
        .unwrap_or_else(|| panic!("no field path: {err}"));
    let top = ["apiVersion", "kind", "metadata", "spec", "surprise"];
    assert!(
        top.iter().any(|t| path == *t
            || path.starts_with(&format!("{t}."))
            || path.starts_with(&format!("{t}["))
            || path.starts_with(&format!("{t}x"))),
        "`{path}` is not a field path: {err}"
    );
    assert!(!path.contains('?') && !message.is_empty(), "{err}");
}

proptest! {
    #![proptest_config(config(3000))]

    /// A single-field mutation is accepted or refused with a field path.
    #[test]
    fn single_field_mutations_are_accepted_or_name_a_field(
        file in any_scenario(),
        at in any::<Index>(),
        mutation in any_mutation(),
    ) {
        let mut value = serde_yaml_ng::to_value(&file).expect("to value");
        let mut all = Vec::new();
        nodes(&value, &mut Vec::new(), &mut all);
        let path = at.get(&all).clone();
        mutate(&mut value, &path, &mutation);
        let text = serde_yaml_ng::to_string(&value).expect("serialises");
        match accept(&text) {
            Ok((_, m)) => check_model(&m),
            Err(err) => assert_names_a_field(&err, &text),
        }
    }
}

/// The `--set` path of `steps`, items by index, or by name where `by_name`
/// and the item's name is unique; `None` when a key cannot be written in a
/// path (a name with `.` or brackets).
fn override_path(root: &Value, steps: &[Step], by_name: bool) -> Option<String> {
    let mut path = String::new();
    let mut here = root;
    for step in steps {
        match step {
            Step::Key(k) => {
                let k = k.as_str()?;
                if k.is_empty() || k.contains(['.', '[', ']']) {
                    return None;
                }
                if !path.is_empty() {
                    path.push('.');
                }
                path += k;
                here = &here[k];
            }
            Step::Item(i) => {
                let items = here.as_sequence()?;
                let name = items[*i].get("name").and_then(Value::as_str);
                let unique = |n: &str| {
                    let same = items
                        .iter()
                        .filter(|it| it.get("name").and_then(Value::as_str) == Some(n));
                    same.count() == 1
                };
                match name {
                    Some(n) if by_name && unique(n) && !n.contains(']') && !n.is_empty() => {
                        path += &format!("[name={n}]");
                    }
                    _ => path += &format!("[{i}]"),
                }
                here = &items[*i];
            }
        }
    }
    Some(path)
}

/// `path: message` of an error, without where it is or what was applied.
fn what(err: &str) -> &str {
    let err = match err.strip_prefix("--set #1 (") {
        Some(rest) => rest.split_once("): ").map_or(rest, |(_, what)| what),
        None => err.splitn(4, ':').nth(3).map_or(err, str::trim_start),
    };
    err.split(" (with --set #1 (").next().unwrap_or(err)
}

proptest! {
    #![proptest_config(config(500))]

    /// `--set PATH=VALUE` is the file with that value: same scenario, same
    /// model, or the same error.
    #[test]
    fn set_is_the_edited_file(
        file in any_scenario(),
        at in any::<Index>(),
        value in hostile_value(),
        by_name in any::<bool>(),
    ) {
        let text = serde_yaml_ng::to_string(&file).expect("serialises");
        let mut edited = serde_yaml_ng::to_value(&file).expect("to value");
        let mut all = Vec::new();
        nodes(&edited, &mut Vec::new(), &mut all);
        let steps = at.get(&all).clone();
        let path = override_path(&edited, &steps, by_name);
        prop_assume!(path.is_some());
        let path = path.expect("checked");
        mutate(&mut edited, &steps, &Mutation::Replace(value.clone()));
        let edited = serde_yaml_ng::to_string(&edited).expect("serialises");
        let set = Override {
            path: path.clone(),
            value: serde_yaml_ng::to_string(&value).expect("serialises").trim_end().to_string(),
        };
        let with_set = Document::parse_with(&text, "test.yaml", std::slice::from_ref(&set))
            .map_err(|e| e.to_string())
            .and_then(|doc| match model::build(&doc.file) {
                Ok(m) => Ok((doc, m)),
                Err(e) => Err(doc.locate(e).to_string()),
            });
        match (accept(&edited), with_set) {
            (Ok((a, ma)), Ok((b, mb))) => {
                prop_assert_eq!(
                    serde_yaml_ng::to_string(&a.file).expect("serialises"),
                    serde_yaml_ng::to_string(&b.file).expect("serialises")
                );
                prop_assert_eq!(format!("{ma:?}"), format!("{mb:?}"));
            }
            (Err(a), Err(b)) => {
                prop_assert_eq!(what(&a), what(&b), "{} | {}", a, b);
                // An error inside the replaced value is the override's.
                let (err_path, _) = what(&a).split_once(": ").expect("a field path");
                let index_path = override_path(&serde_yaml_ng::to_value(&file).expect("to value"), &steps, false).expect("writable");
                let inside = err_path == index_path
                    || err_path.starts_with(&format!("{index_path}."))
                    || err_path.starts_with(&format!("{index_path}["));
                prop_assert_eq!(inside, b.starts_with("--set #1 ("), "{}", b);
            }
            (a, b) => prop_assert!(false, "the file gives {:?}, --set {} gives {:?}", a.map(|_| ()), set.text(), b.map(|_| ())),
        }
    }
}

// ------------------------------------------- what the properties found

/// Removing `kind` (or any top-level field) gave `test.yaml:1:1: missing
/// field `kind`` with no field path: serde reports it at the document.
#[test]
fn a_missing_top_level_field_is_named_with_the_fix() {
    let full = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec: { seed: 1, horizon: 1y, replications: 2, topology: { regions: 1, zonesPerRegion: 1, clustersPerZone: 1, proxiesPerCluster: 1 }, deployments: [{ name: d, controlPlanes: { per: zone } }] }\n";
    for (field, fix) in [
        ("apiVersion", "add `apiVersion: meshsim/v1alpha1`"),
        ("kind", "add `kind: Scenario`"),
        (
            "metadata",
            "add `metadata: { name: <name of the results folder> }`",
        ),
        ("spec", "add the scenario's `spec:` (see docs/scenarios.md)"),
    ] {
        let text: String = full
            .lines()
            .filter(|l| !l.starts_with(field))
            .map(|l| format!("{l}\n"))
            .collect();
        let err = Document::parse(&text, "test.yaml").unwrap_err().to_string();
        assert_eq!(
            err,
            format!("test.yaml:1:1: {field}: missing field `{field}`; {fix}")
        );
    }
    // Given twice, the repeat is pointed at.
    let text = format!("{full}kind: Scenario\n");
    let err = Document::parse(&text, "test.yaml").unwrap_err().to_string();
    assert_eq!(err, "test.yaml:5:1: kind: duplicate field `kind`");
}

/// Removing `spec.horizon` said `spec: expected a duration such as `4h``:
/// the duration's own message replaced serde's "missing field".
#[test]
fn a_missing_duration_is_reported_as_missing() {
    let text = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  replications: 2\n";
    let err = Document::parse(text, "test.yaml").unwrap_err().to_string();
    assert_eq!(err, "test.yaml:5:3: spec: missing field `horizon`");
}

/// A list where a choice such as `dist` belongs said "expected a YAML tag
/// starting with '!'"; it lists the choices now.
#[test]
fn a_list_where_a_choice_belongs_lists_the_choices() {
    let text = "apiVersion: meshsim/v1alpha1\nkind: Scenario\nmetadata: {name: t}\nspec:\n  seed: 1\n  horizon: 1y\n  replications: 2\n  failures:\n    zone: { failure: { dist: [weibull] }, repair: { dist: fixed, value: 1h } }\n";
    let err = Document::parse(text, "test.yaml").unwrap_err().to_string();
    assert_eq!(
        err,
        "test.yaml:9:30: spec.failures.zone.failure.dist: invalid type: sequence, expected one of `exponential`, `weibull`, `lognormal`, `fixed`, `uniform`"
    );
}
