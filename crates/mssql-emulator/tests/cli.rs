//! The `mssql-emulator` binary: its first stdout line, init scripts, signals.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tiberius::{AuthMethod, Client, Config, EncryptionLevel};
use tokio::net::TcpStream;
use tokio_util::compat::TokioAsyncWriteCompatExt;

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mssql-emulator-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn emulator(args: &[&str]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_mssql-emulator"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits for the process to end (at most 20 s) and returns its exit status.
fn wait(child: &mut Child) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("the emulator did not exit");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[tokio::test]
async fn serves_after_printing_its_address_and_stops_on_sigterm() {
    let init = temp_file(
        "ok.sql",
        "USE shop\ngo\nCREATE TABLE t (a int)\n  GO  \nINSERT INTO t VALUES (41)\n",
    );
    let mut child = emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--login",
        "sa:Pw-1:with-colon",
        "--database",
        "shop",
        "--init",
        init.to_str().unwrap(),
    ]);
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let addr: SocketAddr = line
        .trim_end()
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("first line was {line:?}"))
        .parse()
        .unwrap();
    assert_eq!(addr.ip().to_string(), "127.0.0.1");
    assert_ne!(addr.port(), 0);

    let mut config = Config::new();
    config.host(addr.ip());
    config.port(addr.port());
    config.authentication(AuthMethod::sql_server("sa", "Pw-1:with-colon"));
    config.encryption(EncryptionLevel::NotSupported);
    config.database("shop");
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut client = Client::connect(config, tcp.compat_write()).await.unwrap();
    let row = client
        .simple_query("SELECT a + 1 FROM t")
        .await
        .unwrap()
        .into_row()
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.get::<i32, _>(0), Some(42));

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    assert!(wait(&mut child).success());
}

#[test]
fn an_error_in_an_init_script_is_fatal_with_its_line() {
    let init = temp_file(
        "bad.sql",
        "CREATE TABLE t1 (a int)\nGO\n\nSELECT 1\nSELECT * FROM missing_table\nGO\n",
    );
    let mut child = emulator(&[
        "--listen",
        "127.0.0.1:0",
        "--login",
        "sa:pw",
        "--init",
        init.to_str().unwrap(),
    ]);
    let status = wait(&mut child);
    assert!(!status.success());
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    assert!(!stdout.contains("listening"), "{stdout}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let expected = format!("{}:5", init.display());
    assert!(stderr.contains(&expected), "{stderr}");
    assert!(stderr.contains("missing_table"), "{stderr}");
}

#[test]
fn a_login_without_password_is_refused() {
    let mut child = emulator(&["--listen", "127.0.0.1:0", "--login", "sa"]);
    assert!(!wait(&mut child).success());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("USER:PASSWORD"), "{stderr}");
}

/// Runs the emulator with flags that must stop it; its stderr.
fn refused(args: &[&str]) -> String {
    let mut child = emulator(args);
    assert!(!wait(&mut child).success(), "{args:?} started");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}

#[test]
fn bad_tls_and_azure_flags_are_refused_clearly_without_echoing_tokens() {
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&["--listen", "127.0.0.1:0", "--login", "sa:pw"][..], extra].concat()
    }
    let err = refused(&with(&["--encryption", "maybe"]));
    assert!(
        err.contains("not-supported, off, required or strict"),
        "{err}"
    );
    let err = refused(&with(&["--fail-logins", "2:1205"]));
    assert!(err.contains("1205") && err.contains("40613"), "{err}");
    let err = refused(&with(&["--route-to", "replica"]));
    assert!(err.contains("HOST:PORT"), "{err}");
    let err = refused(&with(&["--accept-token", "eyJsecret-token-no-user"]));
    assert!(err.contains("USER:TOKEN"), "{err}");
    assert!(!err.contains("eyJsecret"), "the token was echoed: {err}");
    let cert = temp_file("cert.pem", "not a certificate");
    let err = refused(&with(&[
        "--tls-cert",
        cert.to_str().unwrap(),
        "--tls-key",
        cert.to_str().unwrap(),
    ]));
    assert!(err.contains("certificate"), "{err}");
}
