//! `make bench`: size, cold start, warm latency and its part outside DynamoDB,
//! peak memory and DynamoDB cost of every function, each beside the same
//! figures for a hello-world `lambda_http` function (the floor).
//!
//! Every AWS call goes over TLS, as in Lambda: DynamoDB Local behind a TLS
//! front, and a Secrets Manager stand-in from which the token functions read
//! their signing key at cold start (see `tls`). With `--jitter-dir`, the
//! same functions built with AWS-LC's CPU-jitter entropy source are measured
//! beside the deployed build, at a full core and at a 256 MB function's CPU
//! share (see `cpu`).
//!
//! Usage: bench [--quick] [--function NAME] [--built NAME,…] --lambda-dir DIR
//!              [--jitter-dir DIR] --out DIR
//! with `DYNAMODB_ENDPOINT` pointing at DynamoDB Local. `--built` names the
//! functions the run built, when it built only some.

mod cpu;
mod extremes;
mod proxy;
mod report;
mod scenarios;
mod sdk_init;
mod tls;

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use conduit_tools::{
    runtime::{self, RuntimeApi},
    table::{self as local, TableDefinition, template_path},
};
use shared::{App, Function};

use crate::{cpu::CpuShare, proxy::Proxy, report::Figures, scenarios::Fixture};

type Error = Box<dyn std::error::Error + Send + Sync>;

const TIMEOUT: Duration = Duration::from_secs(15);

/// The memory the template gives most functions; Lambda's CPU share follows it.
const LAMBDA_MEMORY_MB: u32 = 256;

/// The functions whose cold start is compared with and without AWS-LC's
/// jitter entropy: `health` meets its first handshake in its first invoke;
/// `get-current-user` in Init, reading the signing key from Secrets Manager.
const ENTROPY_FUNCTIONS: &[&str] = &["health", "get-current-user"];

struct Plan {
    cold_runs: usize,
    warm_runs: usize,
    cost_runs: usize,
    small: usize,
    large: usize,
}

const FULL: Plan = Plan {
    cold_runs: 10,
    warm_runs: 200,
    cost_runs: 5,
    small: 100,
    large: 10_000,
};
const QUICK: Plan = Plan {
    cold_runs: 3,
    warm_runs: 20,
    cost_runs: 3,
    small: 100,
    large: 300,
};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(sdk_init::CHILD_FLAG) {
        return sdk_init::child(&args[1]).await;
    }
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let quick = args.iter().any(|a| a == "--quick");
    let plan = if quick { QUICK } else { FULL };
    let lambda_dir = PathBuf::from(flag("--lambda-dir").ok_or("--lambda-dir is required")?);
    let out_dir = PathBuf::from(flag("--out").ok_or("--out is required")?);
    let jitter_dir = flag("--jitter-dir").map(PathBuf::from);
    let endpoint = local::endpoint();
    let upstream: SocketAddr = endpoint.trim_start_matches("http://").parse()?;

    // The workspace's function crates that this run built (`--built`, when
    // it built only some). The build directory may also hold binaries of
    // functions since renamed or removed, or `make package`'s arm64 ones.
    let built: Option<Vec<String>> =
        flag("--built").map(|names| names.split(',').map(str::to_owned).collect());
    let is_built = |name: &str| match &built {
        Some(names) => names.iter().any(|n| n == name),
        None => lambda_dir.join(name).join("bootstrap").is_file(),
    };
    let mut functions: Vec<String> = Function::ALL
        .into_iter()
        // The stream worker takes no HTTP request; its cost is its table writes.
        .filter(|f| f.route().is_some())
        .map(|f| f.name().to_owned())
        .filter(|name| is_built(name))
        .collect();
    functions.sort();
    let single = flag("--function");
    if let Some(only) = &single {
        functions.retain(|f| only.split(',').any(|o| o == f));
    } else if quick {
        functions.retain(|f| f == "get-article" || f == "list-articles");
    }
    if functions.is_empty() {
        return Err("no function to measure".into());
    }

    let table = format!("bench-{}", uuid::Uuid::new_v4().simple());
    let config = local::config(&endpoint, &table);
    let app = App::new(&config).await?;
    TableDefinition::from_template(&template_path())?
        .create(app.store.table().client(), &table)
        .await?;
    // Cold runs: the table's, then per function of the TLS comparison
    // 2 builds × 2 CPU settings and one trust-store run.
    let pool = plan.cold_runs * 6 + plan.warm_runs + 2 * plan.cost_runs + 4;
    eprintln!("seeding {} articles", plan.small);
    let mut fixture = scenarios::seed(&app, plan.small, pool).await?;
    let secret = match &config.jwt_secret {
        Some(shared::ground::config::SecretSource::Value(s)) => {
            String::from_utf8(s.expose().to_vec())?
        }
        _ => unreachable!("the harness configures a key"),
    };
    let pki = tls::Pki::new(&out_dir)?;
    let proxy = Proxy::start(upstream, &pki).await?;
    let secrets = tls::SecretsManager::start(&pki, secret).await?;
    // What Lambda's environment gives a function: the role's credentials
    // and the region (DynamoDB Local takes any credentials).
    let env: Vec<(String, String)> = [
        ("TABLE_NAME", table.clone()),
        ("JWT_SECRET_ARN", tls::SECRET_ARN.to_owned()),
        (
            "SECRETS_MANAGER_ENDPOINT",
            format!("https://{}", secrets.addr),
        ),
        ("DYNAMODB_ENDPOINT", format!("https://{}", proxy.addr)),
        ("SSL_CERT_FILE", pki.bundle.display().to_string()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "ASIABENCHMARK".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "benchmark".to_owned()),
        ("AWS_SESSION_TOKEN", "benchmark".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    eprintln!("measuring the floor");
    let floor = measure(&lambda_dir, "floor", &env, &plan, &mut fixture, &proxy).await?;
    let mut results = Vec::new();
    for function in &functions {
        eprintln!("measuring {function}");
        results.push(measure(&lambda_dir, function, &env, &plan, &mut fixture, &proxy).await?);
    }

    let share = CpuShare::new(LAMBDA_MEMORY_MB);
    let mut entropy = Vec::new();
    let builds: Vec<(&str, &Path)> = std::iter::once(("deployed", lambda_dir.as_path()))
        .chain(
            jitter_dir
                .as_deref()
                .map(|dir| ("with jitter entropy", dir)),
        )
        .collect();
    for function in ENTROPY_FUNCTIONS {
        if !is_built(function) {
            continue;
        }
        // The platform bundle's share of the first connection.
        eprintln!("cold starts of {function} (trusting the run's CA alone)");
        let mut ca_only = env.clone();
        for (k, v) in &mut ca_only {
            if k == "SSL_CERT_FILE" {
                *v = pki.ca_only.display().to_string();
            }
        }
        let (cold, first) = cold_starts(
            &lambda_dir,
            function,
            &ca_only,
            plan.cold_runs,
            None,
            &mut fixture,
        )
        .await?;
        entropy.push(report::ColdStarts {
            function: function.to_string(),
            build: "deployed, trusting one CA instead of the platform bundle".to_owned(),
            cpu: "full core".to_owned(),
            cold,
            first,
        });
        for (build, dir) in &builds {
            let deployed = *dir == lambda_dir.as_path();
            if !deployed && !dir.join(function).join("bootstrap").is_file() {
                continue;
            }
            for cpu in [None, share.as_ref().ok()] {
                eprintln!(
                    "cold starts of {function} ({build}, {})",
                    cpu.map_or("full core".to_owned(), CpuShare::describe)
                );
                let (cold, first) =
                    cold_starts(dir, function, &env, plan.cold_runs, cpu, &mut fixture).await?;
                entropy.push(report::ColdStarts {
                    function: function.to_string(),
                    build: build.to_string(),
                    cpu: cpu.map_or("full core".to_owned(), CpuShare::describe),
                    cold,
                    first,
                });
            }
        }
    }
    let share_note = match &share {
        Ok(share) => format!("CPU share: {}", share.describe()),
        Err(why) => format!("no CPU share measured: {why}"),
    };

    eprintln!("growing the table to {} articles", plan.large);
    scenarios::grow(&app, &fixture.author_id, plan.large - plan.small).await?;
    for figures in &mut results {
        let (reads, writes) = cost(
            &lambda_dir,
            &figures.function,
            &env,
            &plan,
            &mut fixture,
            &proxy,
        )
        .await?;
        figures.read_units_large = reads;
        figures.write_units_large = writes;
    }

    // The extremes need their own functions, which `--function` does not build.
    let extremes = if single.is_none() {
        eprintln!("measuring the extremes");
        let sizes = if quick {
            &extremes::QUICK
        } else {
            &extremes::FULL
        };
        let run = (fixture.author_id.as_str(), plan.large);
        Some(extremes::run(&app, &lambda_dir, &env, &proxy, sizes, run).await?)
    } else {
        None
    };

    eprintln!("timing the SDK configuration at cold start");
    let sdk = sdk_init::compare(&env, if quick { 5 } else { 30 })?;

    report::write(&out_dir, &floor, &results, plan.small, plan.large, quick)?;
    report::write_sdk_init(&out_dir, &sdk)?;
    // Sections this run did not measure are left out, their files removed,
    // so no figure of an earlier run passes for this one's.
    for (measured, file) in [
        (!entropy.is_empty(), "entropy.json"),
        (extremes.is_some(), "extremes.json"),
    ] {
        if !measured {
            let _ = std::fs::remove_file(out_dir.join(file));
        }
    }
    if !entropy.is_empty() {
        report::write_entropy(&out_dir, &entropy, &share_note, jitter_dir.is_some())?;
    }
    if let Some(extremes) = &extremes {
        extremes::write(&out_dir, extremes)?;
    }
    Ok(())
}

/// A function process, talking to its own runtime API.
struct Process {
    child: Child,
    api: RuntimeApi,
    started: Instant,
}

impl Process {
    async fn start(
        binary: &Path,
        function: &str,
        env: &[(String, String)],
        cpu: Option<&CpuShare>,
    ) -> Result<Self, Error> {
        let api = RuntimeApi::start().await?;
        let mut command = match cpu {
            Some(share) => share.command(binary),
            None => Command::new(binary),
        };
        command
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AWS_LAMBDA_RUNTIME_API", api.addr.to_string())
            .env("AWS_LAMBDA_FUNCTION_NAME", function)
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        for (k, v) in env {
            command.env(k, v);
        }
        let started = Instant::now();
        let child = command.spawn()?;
        Ok(Self {
            child,
            api,
            started,
        })
    }

    /// From exec to the first request for work.
    async fn cold_start(&mut self) -> Result<Duration, Error> {
        let polled = self
            .api
            .first_poll(TIMEOUT)
            .await
            .ok_or("the function never asked for work")?;
        Ok(polled - self.started)
    }

    async fn invoke(
        &self,
        function: &str,
        fixture: &mut Fixture,
    ) -> Result<runtime::Outcome, Error> {
        let (event, status) = scenarios::next(function, fixture).ok_or("a request pool ran dry")?;
        self.invoke_event(function, event, status).await
    }

    /// One invocation with `event`, which must answer `status`.
    async fn invoke_event(
        &self,
        function: &str,
        event: serde_json::Value,
        status: u16,
    ) -> Result<runtime::Outcome, Error> {
        let outcome = self.api.invoke(event.to_string(), TIMEOUT).await?;
        let answer: serde_json::Value = serde_json::from_str(&outcome.response)?;
        if answer["statusCode"].as_u64() != Some(u64::from(status)) {
            return Err(format!("{function}: expected {status}, got {}", outcome.response).into());
        }
        Ok(outcome)
    }

    /// CPU time the process has run so far, all threads: the scheduler's
    /// nanosecond count (`schedstat`), not the tick-grained `stat`.
    fn cpu_time(&self) -> Duration {
        let tasks = format!("/proc/{}/task", self.child.id());
        let nanos: u64 = std::fs::read_dir(tasks)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum();
        Duration::from_nanos(nanos)
    }

    /// Peak resident memory so far, in bytes.
    fn peak_rss(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn measure(
    lambda_dir: &Path,
    function: &str,
    env: &[(String, String)],
    plan: &Plan,
    fixture: &mut Fixture,
    proxy: &Proxy,
) -> Result<Figures, Error> {
    let binary = lambda_dir.join(function).join("bootstrap");
    let mut figures = Figures::new(function, &binary)?;
    for _ in 0..plan.cold_runs {
        let mut process = Process::start(&binary, function, env, None).await?;
        figures.cold.push(process.cold_start().await?);
        proxy.take();
        figures
            .first
            .push(process.invoke(function, fixture).await?.latency);
        figures
            .first_connections
            .push(f64::from(proxy.take().connections));
        figures.peak_rss = figures.peak_rss.max(process.peak_rss());
    }
    let mut process = Process::start(&binary, function, env, None).await?;
    process.cold_start().await?;
    process.invoke(function, fixture).await?;
    proxy.take();
    for _ in 0..plan.warm_runs {
        let cpu = process.cpu_time();
        let outcome = process.invoke(function, fixture).await?;
        figures.cpu.push(process.cpu_time().saturating_sub(cpu));
        let usage = proxy.take();
        figures.warm.push(outcome.latency);
        figures
            .overhead
            .push(outcome.latency.saturating_sub(usage.db_time));
        figures.read_units.push(usage.read_units);
        figures.write_units.push(usage.write_units);
        figures.calls.push(f64::from(usage.calls));
        figures.rounds.push(f64::from(usage.rounds));
    }
    figures.peak_rss = figures.peak_rss.max(process.peak_rss());
    Ok(figures)
}

/// Median read and write units per request, on the table as it is now.
async fn cost(
    lambda_dir: &Path,
    function: &str,
    env: &[(String, String)],
    plan: &Plan,
    fixture: &mut Fixture,
    proxy: &Proxy,
) -> Result<(f64, f64), Error> {
    let binary = lambda_dir.join(function).join("bootstrap");
    let mut process = Process::start(&binary, function, env, None).await?;
    process.cold_start().await?;
    process.invoke(function, fixture).await?;
    let (mut reads, mut writes) = (Vec::new(), Vec::new());
    for _ in 0..plan.cost_runs {
        proxy.take();
        process.invoke(function, fixture).await?;
        let usage = proxy.take();
        reads.push(usage.read_units);
        writes.push(usage.write_units);
    }
    Ok((report::median_f(&reads), report::median_f(&writes)))
}

/// Cold start and first invoke of `function` from `dir`, `runs` times.
async fn cold_starts(
    dir: &Path,
    function: &str,
    env: &[(String, String)],
    runs: usize,
    cpu: Option<&CpuShare>,
    fixture: &mut Fixture,
) -> Result<(Vec<Duration>, Vec<Duration>), Error> {
    let binary = dir.join(function).join("bootstrap");
    let (mut cold, mut first) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let mut process = Process::start(&binary, function, env, cpu).await?;
        cold.push(process.cold_start().await?);
        first.push(process.invoke(function, fixture).await?.latency);
    }
    Ok((cold, first))
}
