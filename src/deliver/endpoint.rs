//! Where a write key may travel in clear text: only to this machine. Shared
//! by the browser driver (src/js/endpoint.rs) and the app's Send form, so the
//! form refuses exactly what the driver would.

/// Whether the authority of a URL (`host[:port]`, as written after
/// `http://`) names this machine: exactly 127.0.0.1, localhost (any case) or
/// [::1], with at most a port after it (not `localhost.example.com`, not
/// `[::1].example.com`).
pub fn is_loopback_authority(authority: &str) -> bool {
    let split = if authority.starts_with('[') {
        authority.find(']').map(|end| authority.split_at(end + 1))
    } else {
        Some(authority.split_at(authority.find(':').unwrap_or(authority.len())))
    };
    let Some((host, port)) = split else {
        return false;
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    port_ok && (host == "127.0.0.1" || host == "[::1]" || host.eq_ignore_ascii_case("localhost"))
}

#[cfg(test)]
mod tests {
    use super::is_loopback_authority;

    #[test]
    fn only_this_machine_with_at_most_a_port() {
        for yes in [
            "127.0.0.1",
            "localhost",
            "LocalHost:8787",
            "[::1]",
            "[::1]:80",
            "127.0.0.1:1",
        ] {
            assert!(is_loopback_authority(yes), "{yes}");
        }
        for no in [
            "",
            "example.com",
            "localhost.example.com",
            "127.0.0.1.example.com:8787",
            "[::1].example.com",
            "[::1]x:80",
            "localhost:",
            "localhost:80x",
            "[::1",
            "10.0.0.1",
        ] {
            assert!(!is_loopback_authority(no), "{no}");
        }
    }
}
