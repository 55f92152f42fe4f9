//! The figures, printed as a table and written as JSON and Markdown.

use std::{path::Path, time::Duration};

use serde_json::json;

pub struct Figures {
    pub function: String,
    pub size: u64,
    pub zip: u64,
    pub cold: Vec<Duration>,
    pub first: Vec<Duration>,
    pub warm: Vec<Duration>,
    pub overhead: Vec<Duration>,
    /// The function's own CPU time per warm request (all its threads): what
    /// it computes, whatever else the machine runs meanwhile.
    pub cpu: Vec<Duration>,
    pub peak_rss: u64,
    pub read_units: Vec<f64>,
    pub write_units: Vec<f64>,
    pub read_units_large: f64,
    pub write_units_large: f64,
    /// DynamoDB calls per warm request.
    pub calls: Vec<f64>,
    /// Of those, how many were sent one after another.
    pub rounds: Vec<f64>,
    /// Connections opened during the first invocation (each a TLS handshake).
    pub first_connections: Vec<f64>,
}

impl Figures {
    pub fn new(function: &str, binary: &Path) -> std::io::Result<Self> {
        Ok(Self {
            function: function.to_owned(),
            size: std::fs::metadata(binary)?.len(),
            zip: zipped_size(binary)?,
            cold: Vec::new(),
            first: Vec::new(),
            warm: Vec::new(),
            overhead: Vec::new(),
            cpu: Vec::new(),
            peak_rss: 0,
            read_units: Vec::new(),
            write_units: Vec::new(),
            read_units_large: 0.0,
            write_units_large: 0.0,
            calls: Vec::new(),
            rounds: Vec::new(),
            first_connections: Vec::new(),
        })
    }
}

/// The size of the deploy zip: the binary alone, deflated at the default level, as `sam deploy` zips it.
fn zipped_size(binary: &Path) -> std::io::Result<u64> {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import io,sys,zipfile;b=io.BytesIO();z=zipfile.ZipFile(b,'w',zipfile.ZIP_DEFLATED);z.write(sys.argv[1],'bootstrap');z.close();print(len(b.getvalue()))",
        ])
        .arg(binary)
        .output()?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(0))
}

fn percentile(values: &[Duration], p: f64) -> Duration {
    if values.is_empty() {
        return Duration::ZERO;
    }
    let mut sorted = values.to_vec();
    sorted.sort();
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

pub fn median_f(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted[sorted.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1024.0 / 1024.0
}

fn ratio(value: f64, floor: f64) -> String {
    if floor > 0.0 {
        format!("{:.2}×", value / floor)
    } else {
        "–".to_owned()
    }
}

struct Row {
    function: String,
    size: u64,
    zip: u64,
    cold_p50: Duration,
    cold_max: Duration,
    first_p50: Duration,
    warm_p50: Duration,
    warm_p99: Duration,
    overhead_p50: Duration,
    overhead_p99: Duration,
    cpu_p50: Duration,
    rss: u64,
    reads_small: f64,
    reads_large: f64,
    writes_small: f64,
    writes_large: f64,
    calls: f64,
    rounds: f64,
    connections: f64,
}

fn row(f: &Figures) -> Row {
    Row {
        function: f.function.clone(),
        size: f.size,
        zip: f.zip,
        cold_p50: percentile(&f.cold, 50.0),
        cold_max: percentile(&f.cold, 100.0),
        first_p50: percentile(&f.first, 50.0),
        warm_p50: percentile(&f.warm, 50.0),
        warm_p99: percentile(&f.warm, 99.0),
        overhead_p50: percentile(&f.overhead, 50.0),
        overhead_p99: percentile(&f.overhead, 99.0),
        cpu_p50: percentile(&f.cpu, 50.0),
        rss: f.peak_rss,
        reads_small: median_f(&f.read_units),
        reads_large: f.read_units_large,
        writes_small: median_f(&f.write_units),
        writes_large: f.write_units_large,
        calls: median_f(&f.calls),
        rounds: median_f(&f.rounds),
        connections: median_f(&f.first_connections),
    }
}

/// The deploy zip a function should stay under. The release profile builds
/// for speed (Cargo.toml): about 4.8 MiB where optimising for size gave 3.5.
const ZIP_MIB: f64 = 5.0;

pub fn write(
    out: &Path,
    floor: &Figures,
    results: &[Figures],
    small: usize,
    large: usize,
    quick: bool,
) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let floor = row(floor);
    let rows: Vec<Row> = results.iter().map(row).collect();

    let mut md = String::new();
    md.push_str(&format!(
        "Runs: {} mode. Times in ms, sizes in MiB; `×` is the ratio to the floor (a hello-world `lambda_http` function, same profile, same run). RCU/WCU: capacity units per request with {small} and with {large} articles.\n\n",
        if quick { "quick" } else { "full" }
    ));
    md.push_str("| function | bootstrap | zip | cold start p50 | cold max | 1st invoke | cold + 1st | warm p50 | warm p99 | overhead p50 | overhead p99 | CPU p50 | peak RSS | RCU | RCU large | WCU | WCU large | calls | round trips | connections on 1st invoke |\n");
    md.push_str(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let line = |r: &Row, with_ratio: bool| {
        let rt = |v: f64, f: f64| {
            if with_ratio {
                format!(" ({})", ratio(v, f))
            } else {
                String::new()
            }
        };
        format!(
            "| {} | {:.2}{} | {:.2}{} | {:.2}{} | {:.2} | {:.2} | {:.2}{} | {:.2} | {:.2} | {:.3} | {:.3} | {:.3} | {:.1}{} | {:.1} | {:.1} | {:.1} | {:.1} | {:.0} | {:.0} | {:.0} |\n",
            r.function,
            mb(r.size),
            rt(r.size as f64, floor.size as f64),
            mb(r.zip),
            rt(r.zip as f64, floor.zip as f64),
            ms(r.cold_p50),
            rt(ms(r.cold_p50), ms(floor.cold_p50)),
            ms(r.cold_max),
            ms(r.first_p50),
            ms(r.cold_p50 + r.first_p50),
            rt(
                ms(r.cold_p50 + r.first_p50),
                ms(floor.cold_p50 + floor.first_p50)
            ),
            ms(r.warm_p50),
            ms(r.warm_p99),
            ms(r.overhead_p50),
            ms(r.overhead_p99),
            ms(r.cpu_p50),
            mb(r.rss),
            rt(r.rss as f64, floor.rss as f64),
            r.reads_small,
            r.reads_large,
            r.writes_small,
            r.writes_large,
            r.calls,
            r.rounds,
            r.connections,
        )
    };
    md.push_str(&line(&floor, false));
    for r in &rows {
        md.push_str(&line(r, true));
    }

    md.push_str("\nEvery function call to DynamoDB and Secrets Manager goes over TLS, verified against the run's CA. Targets: cold start + first invoke ≤ 2× floor, cold start ≤ 1.5× floor, overhead p50 ≤ 0.2 ms, peak RSS ≤ 20 MiB, zip ≤ 5 MiB, equal read units at both table sizes.\n\n");
    let mut missed = Vec::new();
    for r in &rows {
        let start = ms(r.cold_p50 + r.first_p50);
        let floor_start = ms(floor.cold_p50 + floor.first_p50);
        let checks = [
            (
                start <= 2.0 * floor_start,
                format!(
                    "cold start + first invoke {start:.2} ms is {} the floor",
                    ratio(start, floor_start)
                ),
            ),
            (
                ms(r.cold_p50) <= 1.5 * ms(floor.cold_p50),
                format!(
                    "cold start {:.2} ms is {} the floor",
                    ms(r.cold_p50),
                    ratio(ms(r.cold_p50), ms(floor.cold_p50))
                ),
            ),
            (
                ms(r.overhead_p50) <= 0.2,
                format!("overhead p50 {:.3} ms", ms(r.overhead_p50)),
            ),
            (mb(r.rss) <= 20.0, format!("peak RSS {:.1} MiB", mb(r.rss))),
            (mb(r.zip) <= ZIP_MIB, format!("zip {:.2} MiB", mb(r.zip))),
            (
                (r.reads_small - r.reads_large).abs() < f64::EPSILON,
                format!("read units {:.1} → {:.1}", r.reads_small, r.reads_large),
            ),
        ];
        for (ok, what) in checks {
            if !ok {
                missed.push(format!("- {}: {what}", r.function));
            }
        }
    }
    if missed.is_empty() {
        md.push_str("All targets met.\n");
    } else {
        md.push_str("Missed:\n");
        md.push_str(&missed.join("\n"));
        md.push('\n');
    }
    print!("{md}");
    std::fs::write(out.join("results.md"), &md)?;

    let json_row = |r: &Row| {
        json!({
            "function": r.function,
            "bootstrap_bytes": r.size,
            "zip_bytes": r.zip,
            "cold_start_ms": {"p50": ms(r.cold_p50), "max": ms(r.cold_max)},
            "first_invocation_ms": ms(r.first_p50),
            "cold_start_and_first_invocation_ms": ms(r.cold_p50 + r.first_p50),
            "warm_ms": {"p50": ms(r.warm_p50), "p99": ms(r.warm_p99)},
            "overhead_ms": {"p50": ms(r.overhead_p50), "p99": ms(r.overhead_p99)},
            "cpu_ms": {"p50": ms(r.cpu_p50)},
            "peak_rss_bytes": r.rss,
            "read_units": {"small": r.reads_small, "large": r.reads_large},
            "write_units": {"small": r.writes_small, "large": r.writes_large},
            "dynamodb_calls": r.calls,
            "sequential_round_trips": r.rounds,
            "connections_first_invocation": r.connections,
        })
    };
    let document = json!({
        "mode": if quick { "quick" } else { "full" },
        "articles": {"small": small, "large": large},
        "floor": json_row(&floor),
        "functions": rows.iter().map(json_row).collect::<Vec<_>>(),
        "missed": missed,
    });
    std::fs::write(
        out.join("results.json"),
        serde_json::to_string_pretty(&document)?,
    )?;
    Ok(())
}

/// Cold start and first invoke of one build of one function on one CPU setting.
pub struct ColdStarts {
    pub function: String,
    pub build: String,
    pub cpu: String,
    pub cold: Vec<Duration>,
    pub first: Vec<Duration>,
}

/// The jitter-entropy comparison: appended to results.md, written as entropy.json.
pub fn write_entropy(
    out: &Path,
    runs: &[ColdStarts],
    share_note: &str,
    compared: bool,
) -> std::io::Result<()> {
    let mut md = String::from(
        "\n### TLS cold start: AWS-LC's CPU-jitter entropy\n\nTimes in ms, medians; \"deployed\" is built with `AWS_LC_SYS_NO_JITTER_ENTROPY=1` (`.cargo/config.toml`).",
    );
    md.push_str(&format!(" {share_note}."));
    if !compared {
        md.push_str(" The build with jitter entropy was not measured in this run (full `make bench` builds it).");
    }
    md.push_str("\n\n| function | build | CPU | cold start p50 | 1st invoke p50 | cold + 1st p50 | cold + 1st max |\n|---|---|---|---|---|---|---|\n");
    let mut rows = Vec::new();
    for run in runs {
        let total: Vec<Duration> = run
            .cold
            .iter()
            .zip(&run.first)
            .map(|(c, f)| *c + *f)
            .collect();
        md.push_str(&format!(
            "| {} | {} | {} | {:.2} | {:.2} | {:.2} | {:.2} |\n",
            run.function,
            run.build,
            run.cpu,
            ms(percentile(&run.cold, 50.0)),
            ms(percentile(&run.first, 50.0)),
            ms(percentile(&total, 50.0)),
            ms(percentile(&total, 100.0)),
        ));
        rows.push(json!({
            "function": run.function,
            "build": run.build,
            "cpu": run.cpu,
            "cold_start_ms": ms(percentile(&run.cold, 50.0)),
            "first_invocation_ms": ms(percentile(&run.first, 50.0)),
            "cold_start_and_first_invocation_ms": {"p50": ms(percentile(&total, 50.0)), "max": ms(percentile(&total, 100.0))},
        }));
    }
    append(out, &md)?;
    std::fs::write(
        out.join("entropy.json"),
        serde_json::to_string_pretty(&json!({"note": share_note, "runs": rows}))?,
    )?;
    Ok(())
}

/// The SDK configuration's share of Init: appended to results.md.
pub fn write_sdk_init(out: &Path, runs: &[crate::sdk_init::SdkInit]) -> std::io::Result<()> {
    let mut md = String::from(
        "\n### SDK configuration at cold start\n\nBuilding the SDK configuration and a DynamoDB client and resolving the credentials once, in a fresh process each run, with Lambda's environment (credentials and region in variables, no files in the home folder). Times in ms, medians of each step and of the total.\n\n| configuration | configuration p50 | client p50 | credentials p50 | total p50 | total max |\n|---|---|---|---|---|---|\n",
    );
    for run in runs {
        md.push_str(&format!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |\n",
            run.variant,
            ms(percentile(&run.config, 50.0)),
            ms(percentile(&run.client, 50.0)),
            ms(percentile(&run.credentials, 50.0)),
            ms(percentile(&run.runs, 50.0)),
            ms(percentile(&run.runs, 100.0)),
        ));
    }
    append(out, &md)
}

/// Prints a section and appends it to results.md.
pub fn append(out: &Path, md: &str) -> std::io::Result<()> {
    print!("{md}");
    let path = out.join("results.md");
    let mut all = std::fs::read_to_string(&path).unwrap_or_default();
    all.push_str(md);
    std::fs::write(path, all)
}
