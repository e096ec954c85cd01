//! A real OpenSSH server for the tunnel tests: Debian's `sshd`, started on
//! a free 127.0.0.1 port with its own host key, `authorized_keys` and pid
//! file in a temp dir, and keys of each kind made by `ssh-keygen`.
//!
//! Password logins are checked by sshd against the system's accounts, so
//! the tests make a dedicated user with a known password (they run as
//! root, as CI does). Where sshd is missing the tests are skipped, except
//! under CI, where a skip would hide a missing install step: there they fail.

#![allow(dead_code)]

use std::io::Write;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";
/// The account the tests log in as, for keys and passwords alike (sshd
/// refuses keys too for an account whose password is locked).
pub const SSH_USER: &str = "mssql-tunnel-test";
pub const SSH_PASSWORD: &str = "Tunnel-Pa55-never-shown";

/// Whether the tunnel tests can run here. Panics under CI when they can't.
pub fn available() -> bool {
    let missing: Vec<&str> = [SSHD, "/usr/bin/ssh-keygen"]
        .into_iter()
        .filter(|p| !Path::new(p).exists())
        .collect();
    let not_root = !is_root();
    if missing.is_empty() && !not_root {
        ensure_user();
        return true;
    }
    let why = match not_root {
        true => "the tests must run as root to start sshd and add a login".to_string(),
        false => format!(
            "{} missing: apt-get install openssh-server openssh-client",
            missing.join(", ")
        ),
    };
    assert!(std::env::var_os("CI").is_none(), "SSH tunnel tests: {why}");
    eprintln!("skipping the SSH tunnel tests: {why}");
    false
}

fn is_root() -> bool {
    let out = Command::new("id").arg("-u").output().expect("id runs");
    String::from_utf8_lossy(&out.stdout).trim() == "0"
}

/// Makes the test login once per test binary, with its known password.
fn ensure_user() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        let exists = Command::new("id")
            .arg(SSH_USER)
            .output()
            .unwrap()
            .status
            .success();
        if !exists {
            let status = Command::new("useradd")
                .args(["--no-create-home", "--shell", "/bin/sh", SSH_USER])
                .status()
                .expect("useradd runs");
            // 9: another test binary made it meanwhile.
            assert!(matches!(status.code(), Some(0 | 9)), "useradd: {status}");
        }
        let mut chpasswd = Command::new("chpasswd")
            .stdin(Stdio::piped())
            .spawn()
            .expect("chpasswd runs");
        let line = format!("{SSH_USER}:{SSH_PASSWORD}\n");
        chpasswd
            .stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        assert!(chpasswd.wait().unwrap().success(), "chpasswd failed");
    });
}

/// A fresh directory for one server's or one test's files.
pub fn temp_dir(what: &str) -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let dir = std::env::temp_dir().join(format!("ssh-tunnel-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A key pair made by ssh-keygen.
pub struct KeyPair {
    pub private: String,
    /// The `authorized_keys` line.
    pub public: String,
    /// As ssh-keygen prints it: `SHA256:...`.
    pub fingerprint: String,
}

/// The forms a private key file takes (ssh-keygen's `-m`).
#[derive(Debug, Clone, Copy)]
pub enum Form {
    /// `-----BEGIN OPENSSH PRIVATE KEY-----`
    OpenSsh,
    /// `-----BEGIN RSA PRIVATE KEY-----` or `-----BEGIN EC PRIVATE KEY-----`
    Pem,
    /// `-----BEGIN PRIVATE KEY-----`
    Pkcs8,
}

/// `kind` is ssh-keygen's `-t` (rsa, ed25519, ecdsa); `passphrase`, when
/// not empty, encrypts the key.
pub fn keygen(kind: &str, form: Form, passphrase: &str) -> KeyPair {
    let dir = temp_dir(&format!("key-{kind}"));
    let path = dir.join("id");
    let mut args = vec!["-q", "-t", kind, "-N", passphrase, "-C", "tunnel-test"];
    if kind == "rsa" {
        // Smaller than the default only to keep the tests quick.
        args.extend(["-b", "2048"]);
    }
    match form {
        Form::OpenSsh => {}
        Form::Pem => args.extend(["-m", "PEM"]),
        Form::Pkcs8 => args.extend(["-m", "PKCS8"]),
    }
    let status = Command::new("ssh-keygen")
        .args(&args)
        .arg("-f")
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success(), "ssh-keygen {args:?}: {status}");
    let pair = KeyPair {
        private: read(&path),
        public: read(&path.with_extension("pub")).trim().to_string(),
        fingerprint: fingerprint(&path.with_extension("pub")),
    };
    let _ = std::fs::remove_dir_all(&dir);
    pair
}

/// ssh-keygen's own SHA256 fingerprint of a public key file.
fn fingerprint(public: &Path) -> String {
    let out = Command::new("ssh-keygen")
        .args(["-l", "-E", "sha256", "-f"])
        .arg(public)
        .output()
        .expect("ssh-keygen -l runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let field = text.split_whitespace().nth(1);
    field
        .unwrap_or_else(|| panic!("ssh-keygen -l: {text}"))
        .to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// How the server is set up.
pub struct Options<'a> {
    pub authorized: Vec<&'a KeyPair>,
    pub forwarding: bool,
    /// Also an RSA host key, besides the Ed25519 one.
    pub rsa_host_key: bool,
}

impl Default for Options<'_> {
    fn default() -> Self {
        Self {
            authorized: Vec::new(),
            forwarding: true,
            rsa_host_key: false,
        }
    }
}

/// A running sshd, stopped when dropped.
pub struct Sshd {
    child: Child,
    pub port: u16,
    dir: PathBuf,
    /// The host key's public line and fingerprint.
    pub host_key: KeyPair,
    pub rsa_host_key: Option<KeyPair>,
}

impl Sshd {
    pub fn start(options: Options) -> Sshd {
        let dir = temp_dir("sshd");
        let host_key = host_keygen(&dir, "ed25519");
        let rsa_host_key = options.rsa_host_key.then(|| host_keygen(&dir, "rsa"));
        let authorized: Vec<&str> = options
            .authorized
            .iter()
            .map(|k| k.public.as_str())
            .collect();
        std::fs::write(dir.join("authorized_keys"), authorized.join("\n") + "\n").unwrap();
        // sshd's privilege separation needs it; a fresh machine may lack it.
        std::fs::create_dir_all("/run/sshd").expect("/run/sshd");
        let port = free_port();
        let config = dir.join("sshd_config");
        std::fs::write(&config, sshd_config(&dir, port, &options)).unwrap();
        let log = std::fs::File::create(dir.join("sshd.log")).unwrap();
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("sshd starts");
        let mut sshd = Sshd {
            child,
            port,
            dir,
            host_key,
            rsa_host_key,
        };
        sshd.wait_until_listening();
        sshd
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("sshd exited ({status}): {}", self.log());
            }
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("sshd did not listen within 20 s: {}", self.log());
    }

    /// How many SSH sessions logged in with a key so far.
    pub fn key_logins(&self) -> usize {
        self.log().matches("Accepted publickey").count()
    }

    /// What sshd logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("sshd.log")).unwrap_or_default()
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A host key in `dir`: its public line and fingerprint (sshd reads the
/// private half from `host_KIND`).
fn host_keygen(dir: &Path, kind: &str) -> KeyPair {
    let path = dir.join(format!("host_{kind}"));
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(
        status.success(),
        "ssh-keygen for the {kind} host key: {status}"
    );
    let public = path.with_extension("pub");
    KeyPair {
        private: String::new(),
        public: read(&public).trim().to_string(),
        fingerprint: fingerprint(&public),
    }
}

fn sshd_config(dir: &Path, port: u16, options: &Options) -> String {
    let forwarding = if options.forwarding { "yes" } else { "no" };
    let rsa = match options.rsa_host_key {
        true => format!("HostKey {}/host_rsa\n", dir.display()),
        false => String::new(),
    };
    let dir = dir.display();
    format!(
        "ListenAddress 127.0.0.1:{port}\n\
         HostKey {dir}/host_ed25519\n\
         {rsa}\
         PidFile {dir}/sshd.pid\n\
         AuthorizedKeysFile {dir}/authorized_keys\n\
         StrictModes no\n\
         UsePAM no\n\
         PubkeyAuthentication yes\n\
         PasswordAuthentication yes\n\
         KbdInteractiveAuthentication no\n\
         PermitRootLogin no\n\
         AllowUsers {SSH_USER}\n\
         AllowTcpForwarding {forwarding}\n\
         LogLevel VERBOSE\n"
    )
}

/// A port nobody listens on now: bind one, then let it go.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
