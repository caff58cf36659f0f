//! The desktop app's performance figures, taken through the built app on its
//! embedded demo, driven as the end-to-end tests drive it (tauri-driver,
//! WebKitWebDriver, Xvfb when there is no display):
//!
//! - **start to ready**: from the moment the session is asked for until both windows
//!   have rendered their first frame (`<html data-app-ready="true">`), with its parts:
//!   the harness starting the app, the app's own start (its "counter started" log line),
//!   the windows.
//! - **memory when idle**: 5 s after ready, and again 5 s after two checks, the RSS of
//!   the app's process and of every process under it (WebKit's web and network
//!   processes), and their PSS.
//! - **card placed to eligibility shown**: sato-hanako's virtual card laid on the reader
//!   from the staff window's demo panel, the PIN on the customer's keypad, the service,
//!   the consents, until the staff window shows the ratio (3割) and "valid". Only the
//!   system's time counts: four intervals, each from a press (the card placed, PIN OK,
//!   the service chosen, the consents answered) to the next screen, timed inside the
//!   windows (`AppSession::stopwatch`); the customer's typing and choosing between them
//!   is left out. Twice per app: the first check after the start, then a second one.
//!
//! ```sh
//! scripts/pcscd.sh run cargo bench -p madoguchi-e2e --bench app
//! MADOGUCHI_BENCH_RUNS=10 MADOGUCHI_APP_DEMO=$PWD/target/release/madoguchi-app-demo \
//!   scripts/pcscd.sh run cargo bench -p madoguchi-e2e --bench app
//! ```
//!
//! Each run starts a fresh app on a fresh demo folder (default 5 runs,
//! `MADOGUCHI_BENCH_RUNS`); the table (median, min, max, each run) goes to stdout, the
//! processes measured to stderr. It measures the app's demo build,
//! `target/debug/madoguchi-app-demo`, what `make build` makes, or the binary
//! `MADOGUCHI_APP_DEMO` names (an absolute path: cargo runs the bench in `tests/e2e/`),
//! and needs `ui/dist` built into it and our pcscd (the demo's virtual reader). The
//! figures and what they include: docs/PERFORMANCE.md.
//!
//! A plain `main`, not criterion: one sample is a whole app start and two checks, ~16 s,
//! so a run holds a handful of samples; criterion's warm-up, its 100-sample
//! statistics and its comparison with the previous run assume fast, repeatable
//! iterations and do not fit.

use std::{
    path::{Path, PathBuf},
    process::ExitCode,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use madoguchi_e2e::{
    AppOptions, AppSession, Build, DemoMode, E2eError, Footprint,
    Screen::{self, Customer, Staff},
    Want, apps_running, hook, workspace_root,
};

/// Runs unless `MADOGUCHI_BENCH_RUNS` says otherwise.
const RUNS: usize = 5;

/// The persona whose card is placed: PIN 1234, insurance valid, 3割.
const PERSONA: &str = "sato-hanako";

/// How long the app is left alone before its memory is read: the demo's enrolment and
/// the windows' first frames are done, the UI's status polling goes on.
const IDLE: Duration = Duration::from_secs(5);

/// How long a run waits for someone else's app to end: it would share the virtual
/// reader.
const OTHER_APP_GRACE: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("app bench: no tokio runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bench()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("app bench: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn bench() -> Result<(), String> {
    if std::env::var_os("MADOGUCHI_PCSCD").is_none() {
        return Err("the demo's virtual reader needs our pcscd: run \
                    scripts/pcscd.sh run cargo bench -p madoguchi-e2e --bench app"
            .into());
    }
    let runs = match std::env::var("MADOGUCHI_BENCH_RUNS") {
        Ok(runs) => runs
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or(format!(
                "MADOGUCHI_BENCH_RUNS={runs:?}: a count of runs, 1 or more"
            ))?,
        Err(_) => RUNS,
    };
    let app = app_binary()?;
    let pin = testkit::load_persona(PERSONA)
        .map_err(|error| format!("persona {PERSONA}: {error}"))?
        .auth_pin;
    let load_before = load_average();
    let mut table = Table::default();
    for run in 1..=runs {
        no_other_app().await?;
        let parent = workspace_root().join(".run/e2e");
        std::fs::create_dir_all(&parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        let dir = tempfile::Builder::new()
            .prefix("bench-")
            .tempdir_in(&parent)
            .map_err(|e| format!("a demo folder in {}: {e}", parent.display()))?;
        let started = Instant::now();
        if let Err(error) = one_run(&app, dir.path(), &pin, &mut table).await {
            let kept = dir.keep();
            return Err(format!(
                "run {run}: {error}\n(demo folder kept: {}; the app's log: .run/logs/e2e-bench.log)",
                kept.display()
            ));
        }
        eprintln!(
            "app bench: run {run}/{runs} done in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    print_machine(&app, runs, &load_before);
    table.print();
    Ok(())
}

/// When the app was asked for, on the clocks its start is compared with.
struct Request {
    /// Seconds since boot, the clock of `/proc/<pid>/stat`'s start time.
    uptime: f64,
    /// The wall clock, the clock of the app's log.
    wall: SystemTime,
    at: Instant,
}

/// One app: start, idle, two checks, idle, quit.
async fn one_run(app: &Path, dir: &Path, pin: &str, table: &mut Table) -> Result<(), E2eError> {
    let options = AppOptions::demo(dir)
        .mode(DemoMode::Reception)
        .label("bench")
        .app(app);
    let request = Request {
        uptime: uptime()?,
        wall: SystemTime::now(),
        at: Instant::now(),
    };
    let session = AppSession::start_with(options).await?;
    let ready = request.at.elapsed();
    let measured = async {
        start_figures(&session, &request, ready, table)?;
        measure(&session, pin, table).await
    }
    .await;
    let quit = session.quit().await;
    measured.and(quit)
}

/// Start to ready, and its parts.
fn start_figures(
    s: &AppSession,
    request: &Request,
    ready: Duration,
    table: &mut Table,
) -> Result<(), E2eError> {
    let ready = ms(ready);
    table.ms("start: request → both windows ready", ready);
    let pid = s
        .app_pid()
        .ok_or_else(|| E2eError::Unexpected("the app is not running".into()))?;
    let spawned = (process_start(pid)? - request.uptime) * 1000.0;
    table.ms("start: request → app process started (harness)", spawned);
    table.ms(
        "start: app process started → both windows ready",
        ready - spawned,
    );
    match counter_started(s.log(), request.wall) {
        Some((at, took)) => {
            table.ms("start: counter started, its own ms= (app's log)", took);
            table.ms("start: counter started → both windows ready", ready - at);
        }
        None => eprintln!(
            "app bench: no \"counter started\" line in {}",
            s.log().display()
        ),
    }
    Ok(())
}

/// Idle memory, two checks, idle memory.
async fn measure(s: &AppSession, pin: &str, table: &mut Table) -> Result<(), E2eError> {
    tokio::time::sleep(IDLE).await;
    let idle = s.footprint()?;
    eprintln!("app bench: 5 s after ready: {}", processes(&idle));
    add_memory(table, "idle after start", &idle);

    s.stopwatch().await?;
    // A press and the screen it brings up may be in different windows: their clocks
    // must agree (the sum of a check's intervals does not depend on it).
    let (staff, staff_error) = s.page_clock(Staff).await?;
    let (customer, customer_error) = s.page_clock(Customer).await?;
    table.ms("page clocks: staff's ahead of customer's", staff - customer);
    table.ms(
        "page clocks: error of the row above (±)",
        staff_error + customer_error,
    );
    for name in ["first check", "second check"] {
        let check = check(s, pin).await?;
        table.ms(&format!("{name}: card placed → PIN keypad"), check.keypad);
        if let Some(in_slot) = check.in_slot {
            table.ms(
                &format!("{name}:  of which card placed → in the vpcd slot (log)"),
                in_slot,
            );
            table.ms(
                &format!("{name}:  of which in the vpcd slot → PIN keypad"),
                check.keypad - in_slot,
            );
        }
        table.ms(&format!("{name}: PIN OK → service menu"), check.service);
        table.ms(
            &format!("{name}: service chosen → consents"),
            check.consents,
        );
        table.ms(
            &format!("{name}: consents answered → staff see ratio, valid"),
            check.result,
        );
        table.ms(
            &format!("{name}: card placed → eligibility shown (sum)"),
            check.total(),
        );
    }

    tokio::time::sleep(IDLE).await;
    let idle = s.footprint()?;
    eprintln!("app bench: 5 s after two checks: {}", processes(&idle));
    add_memory(table, "idle after two checks", &idle);
    Ok(())
}

fn add_memory(table: &mut Table, when: &str, footprint: &Footprint) {
    let under: u64 = footprint.children.iter().map(|p| p.rss_kib).sum();
    table.mib(&format!("{when}: app process RSS"), footprint.app.rss_kib);
    table.mib(&format!("{when}: processes under it RSS"), under);
    table.mib(&format!("{when}: total RSS"), footprint.rss_kib());
    if let Some(pss) = footprint.pss_kib() {
        table.mib(&format!("{when}: total PSS"), pss);
    }
}

fn processes(footprint: &Footprint) -> String {
    footprint
        .processes()
        .map(|p| format!("{} {} ({:.0} MiB RSS)", p.name, p.pid, mib(p.rss_kib)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The system's part of one check, in ms: each interval from a press to the screen it
/// brings up.
struct Check {
    keypad: f64,
    /// Of `keypad`, the part until the demo had put the card in the vpcd slot (its
    /// log line), when found.
    in_slot: Option<f64>,
    service: f64,
    consents: f64,
    result: f64,
}

impl Check {
    fn total(&self) -> f64 {
        self.keypad + self.service + self.consents + self.result
    }
}

/// The root of `window`'s screen at `screen` and `step`.
fn at(window: &str, screen: &str, step: &str) -> String {
    format!("[data-test=\"{window}-screen\"][data-screen=\"{screen}\"][data-step=\"{step}\"]")
}

/// One reception check, as reception.rs takes it, timed: the counter waits for a card;
/// staff lay it on the reader from the demo panel; the customer types the PIN, picks the
/// service and gives the consents; staff see the result, finish, and take the card off.
async fn check(s: &AppSession, pin: &str) -> Result<Check, E2eError> {
    s.switch_to(Staff).await?;
    s.wait_hook("staff-screen", Want::Attr("data-screen", "ready"))
        .await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "empty"))
        .await?;
    s.switch_to(Customer).await?;
    s.wait_hook("customer-screen", Want::Attr("data-screen", "welcome"))
        .await?;
    let place = format!("demo-place-{PERSONA}");
    s.switch_to(Staff).await?;
    s.click_test("tab-demo").await?;
    s.wait_hook(&place, Want::Present).await?;

    let keypad = at("customer", "identify", "pin_entry");
    let empty = format!("{}[data-length=\"0\"]", hook("pin-entry"));
    s.watch(Customer, "keypad", &[&keypad, &empty]).await?;
    s.switch_to(Staff).await?;
    s.click_test(&place).await?;
    let (placed, keypad) = interval(s, (Staff, &place), (Customer, "keypad")).await?;
    // The demo logs the card once its virtual card is in the vpcd slot.
    let in_slot = last_logged(s.log(), "demo card placed").map(|at| since(placed, at));

    // Staff follow on the counter tab; the customer types the PIN (their time).
    s.switch_to(Staff).await?;
    s.click_test("tab-counter").await?;
    s.switch_to(Customer).await?;
    s.type_digits(pin).await?;

    let menu = at("customer", "check", "choose_service");
    s.watch(Customer, "menu", &[&menu, &hook("action-choose_service")])
        .await?;
    s.click_test("key-ok").await?;
    let (_, service) = interval(s, (Customer, "key-ok"), (Customer, "menu")).await?;

    let consent = at("customer", "check", "consent");
    s.watch(Customer, "consent", &[&consent, &hook("action-consent")])
        .await?;
    s.click_test("action-choose_service").await?;
    let (_, consents) = interval(
        s,
        (Customer, "action-choose_service"),
        (Customer, "consent"),
    )
    .await?;

    // Every consent the site offers, as flows.rs gives them (the customer's time).
    s.switch_to(Customer).await?;
    if s.peek(&hook("consent-blanket")).await?.found() {
        s.click_test("consent-blanket").await?;
    }
    if s.peek(&hook("consent-prescription")).await?.found() {
        s.click(&format!(
            "{}[data-key=\"electronic\"]",
            hook("consent-prescription")
        ))
        .await?;
    }
    let ratio = format!("{}[data-tenths=\"3\"]", hook("ratio"));
    let valid = format!("{}[data-validity=\"valid\"]", hook("validity"));
    s.watch(Staff, "result", &[&ratio, &valid]).await?;
    s.switch_to(Customer).await?;
    s.click_test("action-consent").await?;
    let (_, result) = interval(s, (Customer, "action-consent"), (Staff, "result")).await?;

    s.switch_to(Staff).await?;
    s.wait_hook(
        "headline-code",
        Want::Attr("data-code", "eligibility_valid"),
    )
    .await?;
    s.click_test("action-finish").await?;
    s.wait_hook("staff-screen", Want::Attr("data-screen", "ready"))
        .await?;
    s.click_test("tab-demo").await?;
    s.click_test("demo-remove").await?;
    s.wait_hook("status-reader", Want::Attr("data-state", "empty"))
        .await?;
    Ok(Check {
        keypad,
        in_slot,
        service,
        consents,
        result,
    })
}

/// When `pressed` was pressed (page clock) and how long until the frame that showed the
/// watch `shown`, in ms.
async fn interval(
    s: &AppSession,
    pressed: (Screen, &str),
    shown: (Screen, &str),
) -> Result<(f64, f64), E2eError> {
    let at = s.pressed_at(pressed.0, pressed.1).await?;
    let seen = s.shown_at(shown.0, shown.1).await?;
    if seen.frame.is_none() {
        eprintln!(
            "app bench: {} had no animation frame; its DOM change is taken",
            shown.1
        );
    }
    let took = seen.at() - at;
    if took < 0.0 {
        return Err(E2eError::Unexpected(format!(
            "{} was shown {:.1} ms before {} was pressed",
            shown.1, -took, pressed.1
        )));
    }
    Ok((at, took))
}

/// `target/debug/madoguchi-app-demo` beside this bench's target directory
/// (`<target>/release/deps/app-<hash>`), or `MADOGUCHI_APP_DEMO`.
fn app_binary() -> Result<PathBuf, String> {
    if let Some(path) = std::env::var_os(Build::Demo.binary_env()) {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().map_err(|e| format!("the bench's own path: {e}"))?;
    let target = exe
        .ancestors()
        .nth(3)
        .ok_or(format!("{} is not in a target directory", exe.display()))?;
    let app = target.join("debug").join(Build::Demo.binary());
    if app.is_file() {
        Ok(app)
    } else {
        Err(format!(
            "{} is not built: npm run build, then cargo build -p madoguchi-app-demo (or make build)",
            app.display()
        ))
    }
}

/// Waits until no other app runs (its demo would share the virtual reader).
async fn no_other_app() -> Result<(), String> {
    let deadline = Instant::now() + OTHER_APP_GRACE;
    loop {
        let others = apps_running();
        if others.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "another madoguchi-app or madoguchi-app-demo runs (pids {others:?}) and \
                 would share the virtual reader; end it and run again"
            ));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Seconds since boot (`/proc/uptime`, 10 ms steps), the clock of a process's start.
fn uptime() -> Result<f64, E2eError> {
    std::fs::read_to_string("/proc/uptime")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| E2eError::Unexpected("cannot read /proc/uptime".into()))
}

/// When `pid` started, in seconds since boot: field 22 of `/proc/<pid>/stat`, in clock
/// ticks (`getconf CLK_TCK`, 100 on Linux).
fn process_start(pid: u32) -> Result<f64, E2eError> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // After the name's closing parenthesis, field 3 (state) comes first.
    let ticks: Option<f64> = stat
        .rfind(')')
        .and_then(|close| stat.get(close + 1..))
        .and_then(|rest| rest.split_whitespace().nth(22 - 3))
        .and_then(|field| field.parse().ok());
    let per_second = std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|out| {
            String::from_utf8(out.stdout)
                .ok()?
                .trim()
                .parse::<f64>()
                .ok()
        })
        .unwrap_or(100.0);
    ticks
        .map(|ticks| ticks / per_second)
        .ok_or_else(|| E2eError::Unexpected(format!("cannot read the start of process {pid}")))
}

/// The app's "counter started ms=N" line in its log: when it was written, in ms after
/// `requested`, and N. The log's times are UTC with microseconds
/// (`2026-11-24T08:48:07.434357Z`); only the time of day is compared, modulo a day.
fn counter_started(log: &Path, requested: SystemTime) -> Option<(f64, f64)> {
    let text = std::fs::read_to_string(log).ok()?;
    let line = text.lines().find(|line| line.contains("counter started"))?;
    let requested = requested.duration_since(UNIX_EPOCH).ok()?.as_secs_f64() * 1000.0;
    let took = line
        .split_whitespace()
        .find_map(|word| word.strip_prefix("ms="))?
        .parse()
        .ok()?;
    Some((since(requested, logged_at(line)?), took))
}

/// When the app last logged a line holding `needle`, in ms of the day (UTC).
fn last_logged(log: &Path, needle: &str) -> Option<f64> {
    let text = std::fs::read_to_string(log).ok()?;
    logged_at(text.lines().rev().find(|line| line.contains(needle))?)
}

/// The time of day (UTC) of a log line, in ms: the line starts with
/// `2026-11-24T08:48:07.434357Z`.
fn logged_at(line: &str) -> Option<f64> {
    let time = line
        .split_whitespace()
        .next()?
        .split_once('T')?
        .1
        .strip_suffix('Z')?;
    let mut parts = time.splitn(3, ':');
    let hours: f64 = parts.next()?.parse().ok()?;
    let minutes: f64 = parts.next()?.parse().ok()?;
    let seconds: f64 = parts.next()?.parse().ok()?;
    Some((hours * 3600.0 + minutes * 60.0 + seconds) * 1000.0)
}

/// How long after `epoch_ms` (ms since the epoch) the time of day `day_ms` came: only
/// the time of day is compared, modulo a day.
fn since(epoch_ms: f64, day_ms: f64) -> f64 {
    const DAY: f64 = 86_400_000.0;
    (day_ms - epoch_ms % DAY).rem_euclid(DAY)
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// `/proc/loadavg`'s first three fields.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|text| {
            text.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default()
}

fn print_machine(app: &Path, runs: usize, load_before: &str) {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or("unknown", |(_, model)| model.trim());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| {
            line.strip_prefix("MemTotal:")?
                .split_whitespace()
                .next()?
                .parse::<u64>()
                .ok()
        })
        .map_or(0.0, |kib| kib as f64 / 1024.0 / 1024.0);
    let profile = app
        .parent()
        .and_then(Path::file_name)
        .map_or("?".into(), |name| name.to_string_lossy());
    println!();
    println!(
        "{runs} runs of {} ({profile} build), each a fresh app on a fresh demo folder",
        app.display()
    );
    println!(
        "machine: {cpus} CPUs ({model}), {memory:.1} GiB; load average {load_before} before, {} after",
        load_average()
    );
    println!(
        "times in the windows: page clock (performance.now()), from the press's click event \
         to the first animation frame with the screen; ready: the harness looks every 100 ms"
    );
    println!();
}

#[derive(Clone, Copy)]
enum Unit {
    Ms,
    Mib,
}

/// The figures by name, in the order first added.
#[derive(Default)]
struct Table {
    rows: Vec<(String, Unit, Vec<f64>)>,
}

impl Table {
    fn ms(&mut self, name: &str, ms: f64) {
        self.add(name, Unit::Ms, ms);
    }

    fn mib(&mut self, name: &str, kib: u64) {
        self.add(name, Unit::Mib, mib(kib));
    }

    fn add(&mut self, name: &str, unit: Unit, value: f64) {
        match self.rows.iter_mut().find(|(n, _, _)| n == name) {
            Some((_, _, values)) => values.push(value),
            None => self.rows.push((name.to_owned(), unit, vec![value])),
        }
    }

    fn print(&self) {
        println!("| figure | unit | median | min | max | each run |");
        println!("|---|---|---:|---:|---:|---|");
        for (name, unit, values) in &self.rows {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let (unit, digits) = match unit {
                Unit::Ms => ("ms", 1),
                Unit::Mib => ("MiB", 0),
            };
            let cell = |v: f64| format!("{v:.digits$}");
            let runs: Vec<String> = values.iter().map(|v| format!("{v:.0}")).collect();
            println!(
                "| {name} | {unit} | {} | {} | {} | {} |",
                cell(median(&sorted)),
                cell(sorted.first().copied().unwrap_or(f64::NAN)),
                cell(sorted.last().copied().unwrap_or(f64::NAN)),
                runs.join(" "),
            );
        }
    }
}

/// The middle of `sorted` (the mean of the two middle values for an even count).
fn median(sorted: &[f64]) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted.get(n / 2).copied().unwrap_or(f64::NAN),
        n => {
            let low = sorted.get(n / 2 - 1).copied().unwrap_or(f64::NAN);
            let high = sorted.get(n / 2).copied().unwrap_or(f64::NAN);
            (low + high) / 2.0
        }
    }
}
