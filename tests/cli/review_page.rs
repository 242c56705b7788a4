//! The review page in a real browser, driven like a reviewer drives it: keys typed into the
//! page, the Save button's download, the labels read back by `evaluate`.
//!
//! Chromium is driven over the DevTools protocol on `--remote-debugging-pipe` (commands in on
//! fd 3, answers out on fd 4, NUL-terminated JSON): no WebDriver, no websocket crate.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::report::chromium;
use super::stdout_of;

/// How long one step may take before the test calls it a hang.
const STEP: Duration = Duration::from_secs(60);

/// A pipe (read end, write end), both closed on exec.
fn pipe() -> (OwnedFd, OwnedFd) {
    let mut fds = [0; 2];
    // SAFETY: pipe2 writes two new descriptors into `fds`, which we then own.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) }
}

/// A headless chromium and its DevTools pipe.
struct Browser {
    child: Child,
    to: std::fs::File,
    from: Receiver<Value>,
    /// Events that arrived while waiting for an answer.
    events: Vec<Value>,
    next_id: u64,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(path: &Path) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (cmd_read, cmd_write) = pipe();
        let (ans_read, ans_write) = pipe();
        let (r, w) = (cmd_read.as_raw_fd(), ans_write.as_raw_fd());
        let mut command = Command::new(path);
        command
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--remote-debugging-pipe",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The pipe
        // ends are first moved above 10 so that placing them on 3 and 4 cannot close the other.
        unsafe {
            command.pre_exec(move || {
                let r2 = libc::fcntl(r, libc::F_DUPFD_CLOEXEC, 10);
                let w2 = libc::fcntl(w, libc::F_DUPFD_CLOEXEC, 10);
                if r2 < 0 || w2 < 0 || libc::dup2(r2, 3) < 0 || libc::dup2(w2, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = command.spawn().expect("chromium starts");
        drop((cmd_read, ans_write));
        let (tx, from) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(std::fs::File::from(ans_read));
            let mut message = Vec::new();
            while reader.read_until(0, &mut message).is_ok_and(|n| n > 0) {
                if message.last() == Some(&0) {
                    message.pop();
                }
                if let Ok(v) = serde_json::from_slice::<Value>(&message) {
                    if tx.send(v).is_err() {
                        break;
                    }
                }
                message.clear();
            }
        });
        Browser {
            child,
            to: std::fs::File::from(cmd_write),
            from,
            events: Vec::new(),
            next_id: 1,
            session: None,
            _profile: profile,
        }
    }

    /// Sends a command (to the attached page when there is one) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.call_on(self.session.clone(), method, params)
    }

    fn call_on(&mut self, session: Option<String>, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            message["sessionId"] = s.into();
        }
        let mut bytes = serde_json::to_vec(&message).unwrap();
        bytes.push(0);
        self.to.write_all(&bytes).expect("chromium reads its pipe");
        let started = Instant::now();
        loop {
            match self
                .from
                .recv_timeout(STEP.saturating_sub(started.elapsed()))
            {
                Ok(v) if v["id"] == id => {
                    assert!(v.get("error").is_none(), "{method} failed: {v}");
                    return v["result"].clone();
                }
                Ok(v) => self.events.push(v),
                Err(RecvTimeoutError::Timeout) => panic!("no answer to {method} in {STEP:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("chromium went away during {method}"),
            }
        }
    }

    /// Waits for an event named `method` (one already received counts).
    fn event(&mut self, method: &str, matching: impl Fn(&Value) -> bool) -> Value {
        if let Some(i) = self
            .events
            .iter()
            .position(|e| e["method"] == method && matching(e))
        {
            return self.events.remove(i);
        }
        let started = Instant::now();
        loop {
            match self
                .from
                .recv_timeout(STEP.saturating_sub(started.elapsed()))
            {
                Ok(v) if v["method"] == method && matching(&v) => return v,
                Ok(v) => self.events.push(v),
                Err(e) => panic!("no {method} event in {STEP:?}: {e:?}"),
            }
        }
    }

    /// The value of a JavaScript expression in the page.
    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true}),
        );
        r["result"]["value"].clone()
    }

    /// Presses one key as a keyboard would (`text` for keys that type a character).
    fn key(&mut self, key: &str) {
        let (code, vk, text) = match key {
            "Enter" => ("Enter".to_string(), 13, Some("\r".to_string())),
            "Escape" => ("Escape".to_string(), 27, None),
            " " => ("Space".to_string(), 32, Some(" ".to_string())),
            "." => ("Period".to_string(), 190, Some(".".to_string())),
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_digit() => (
                format!("Digit{k}"),
                k.as_bytes()[0] as i64,
                Some(k.to_string()),
            ),
            k if k.len() == 1 && k.as_bytes()[0].is_ascii_lowercase() => (
                format!("Key{}", k.to_ascii_uppercase()),
                k.to_ascii_uppercase().as_bytes()[0] as i64,
                Some(k.to_string()),
            ),
            other => panic!("no key code for {other:?} in this test"),
        };
        let mut down =
            json!({"type": "keyDown", "key": key, "code": code, "windowsVirtualKeyCode": vk});
        if let Some(t) = text {
            down["text"] = t.into();
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": code, "windowsVirtualKeyCode": vk}),
        );
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(&c.to_string());
        }
    }

    /// Opens `url` in the attached page and waits for its script to have run.
    fn open(&mut self, url: &str) {
        self.call("Page.navigate", json!({"url": url}));
        self.event("Page.loadEventFired", |_| true);
        let started = Instant::now();
        while self.eval("document.body && document.body.dataset.ready") != "true" {
            assert!(started.elapsed() < STEP, "the page script never finished");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A reviewer opens the page, labels three tickets with the keyboard (typed ids, `x` for no
/// service, `a` to accept the prediction), finds them again after a reload, saves; `evaluate`
/// scores exactly those three from the saved file.
#[test]
fn the_review_page_labels_three_tickets_with_the_keyboard_and_evaluate_reads_what_it_saves() {
    let Some(path) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("sample.html");
    let export = "fixtures/labelled/jira.csv";
    let draw = [
        "-q",
        "review",
        export,
        "--size",
        "6",
        "--targeted",
        "2",
        "--seed",
        "3",
    ];
    stdout_of(&[&draw[..], &["-o", page.to_str().unwrap()]].concat());
    // The same draw as CSV: the page must save the same rows, with the labels filled in.
    let csv_form = stdout_of(&draw);

    let downloads = tempfile::tempdir().unwrap();
    let mut b = Browser::start(&path);
    b.call_on(
        None,
        "Browser.setDownloadBehavior",
        json!({"behavior": "allow", "downloadPath": downloads.path(), "eventsEnabled": true}),
    );
    let target = b.call_on(None, "Target.createTarget", json!({"url": "about:blank"}));
    let attached = b.call_on(
        None,
        "Target.attachToTarget",
        json!({"targetId": target["targetId"], "flatten": true}),
    );
    b.session = Some(attached["sessionId"].as_str().unwrap().to_string());
    b.call("Page.enable", json!({}));
    let url = format!("file://{}", page.display());
    b.open(&url);
    assert_eq!(
        b.eval("document.body.dataset.errors || ''"),
        "",
        "no script error"
    );
    assert_eq!(b.eval("document.body.dataset.tickets"), "8");
    assert_eq!(b.eval("document.body.dataset.labelled"), "0");
    let predicted_third = b.eval(
        "JSON.parse(document.getElementById('sample').textContent).tickets[2].predicted_primary",
    );

    // Ticket 1: a digit starts the services field; two services, the first the primary.
    b.type_text("6.4 61");
    b.key("Enter");
    assert_eq!(b.eval("document.body.dataset.labelled"), "1");
    // A typo is refused, said, and labels nothing.
    b.type_text("6.9");
    b.key("Enter");
    assert_eq!(b.eval("document.body.dataset.labelled"), "1");
    assert!(b
        .eval("document.querySelector('.entry .msg').textContent")
        .as_str()
        .unwrap()
        .contains("not a service of the catalog: 6.9"));
    // Ticket 2: leave the field, `x`: no service applies. Ticket 3: `a` accepts the prediction.
    b.key("Escape");
    b.key("x");
    b.key("a");
    assert_eq!(b.eval("document.body.dataset.labelled"), "3");
    assert_eq!(
        b.eval("document.querySelector('nav#list').textContent.split('✓').length - 1"),
        3,
        "the list marks the three"
    );

    // Progress is kept in the browser: a reload finds the three labels. Chromium hands a
    // localStorage write to its storage service a moment after the script makes it, and the
    // reloaded page may read from there before it lands when the machine is busy (seen once
    // in a full test run): reload until the labels show, within the step's time.
    let started = Instant::now();
    loop {
        b.open(&url);
        if b.eval("document.body.dataset.labelled") == "3" {
            break;
        }
        assert!(started.elapsed() < STEP, "no reload found the three labels");
        std::thread::sleep(Duration::from_millis(200));
    }

    // `s` saves the labels CSV under the name the page was given.
    b.key("s");
    let done = b.event("Browser.downloadProgress", |e| {
        e["params"]["state"] == "completed" || e["params"]["state"] == "canceled"
    });
    assert_eq!(done["params"]["state"], "completed", "{done}");
    let saved = downloads.path().join("sample.csv");
    let started = Instant::now();
    while !saved.exists() {
        assert!(
            started.elapsed() < STEP,
            "no sample.csv in {}",
            downloads.path().display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&saved).unwrap();
    let rows: Vec<csv::StringRecord> = csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    let expected: Vec<csv::StringRecord> = csv::Reader::from_reader(csv_form.as_bytes())
        .records()
        .map(Result::unwrap)
        .collect();
    assert_eq!(rows.len(), 8);
    for (got, want) in rows.iter().zip(&expected) {
        assert_eq!(
            &got.iter().take(10).collect::<Vec<_>>(),
            &want.iter().take(10).collect::<Vec<_>>(),
            "the page saves the sample's own columns as the CSV form writes them"
        );
    }
    assert_eq!((&rows[0][10], &rows[0][11]), ("6.4;6.1", "6.4"));
    assert_eq!((&rows[1][10], &rows[1][11]), ("none", ""));
    assert_eq!(
        &rows[2][11],
        predicted_third.as_str().unwrap(),
        "accepted: the predicted primary"
    );
    assert!(
        rows[3..].iter().all(|r| r[10].is_empty()),
        "the others stay unlabelled"
    );

    let out = super::tagger(&[
        "evaluate",
        export,
        "--gold",
        saved.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("5 row(s) not labelled yet"), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["base"]["report"]["scored"], 3, "{report:#}");

    // And the workload report calibrates on it: the three are of the random part.
    let out = super::tagger(&[
        "report",
        export,
        "--calibrate",
        saved.to_str().unwrap(),
        "--format",
        "json",
    ]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["figures"]["calibration"]["reviewed"], 3, "{stderr}");
}
