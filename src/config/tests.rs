use super::*;

fn vars(v: &[(&str, &str)]) -> Vec<(String, String)> {
    v.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn defaults_file_and_environment() {
    let (c, applied) = parse("", &[]).unwrap();
    assert_eq!(c, Config::default());
    assert!(applied.is_empty());
    let (c, _) = parse(
        "[reader]\nname = \"ACR1252\"\nshare_mode = \"exclusive\"\nignore = [\"SAM\"]\n",
        &[],
    )
    .unwrap();
    assert_eq!(c.reader.name.as_deref(), Some("ACR1252"));
    assert_eq!(c.reader.share_mode, ShareModeConfig::Exclusive);
    assert_eq!(c.reader.ignore, vec!["SAM".to_string()]);
    let (c, applied) = parse(
        "[reader]\nname = \"ACR1252\"\n",
        &vars(&[
            ("CCCD_READER__NAME", "Virtual PCD 00 01"),
            ("CCCD_READER__IGNORE", "[\"SAM\", \"ICC\"]"),
            ("CCCD_CONFIG", "x"),
            ("PATH", "/bin"),
        ]),
    )
    .unwrap();
    assert_eq!(c.reader.name.as_deref(), Some("Virtual PCD 00 01"));
    assert_eq!(c.reader.ignore.len(), 2);
    assert_eq!(
        applied,
        vec![
            "CCCD_READER__NAME".to_string(),
            "CCCD_READER__IGNORE".to_string()
        ]
    );
}

#[test]
fn problems_are_named() {
    let e = parse("[reader]\nshare_mode = \"sometimes\"\n", &[]).unwrap_err();
    assert!(e.contains("sometimes"), "{e}");
    let e = parse("[reader]\nnmae = \"x\"\n", &[]).unwrap_err();
    assert!(e.contains("nmae"), "{e}");
    let e = parse("[reader\n", &[]).unwrap_err();
    assert!(e.contains("line 1"), "{e}");
    let e = parse("", &vars(&[("CCCD_READER__SHARE_MODE", "sometimes")])).unwrap_err();
    assert!(e.contains("sometimes"), "{e}");
    let e = parse("", &vars(&[("CCCD_BOGUS__X", "1")])).unwrap_err();
    assert!(e.contains("bogus"), "{e}");
}

#[test]
fn eligibility_section() {
    let (c, _) = parse(
        "[eligibility]\ngateway_url = \"http://127.0.0.1:8089\"\nusername = \"38001_BV\"\npassword_file = \"/etc/cccd-bridge/bhxh.pass\"\nbody_encoding = \"form\"\n",
        &vars(&[("CCCD_ELIGIBILITY__TIMEOUT_SECS", "30")]),
    )
    .unwrap();
    assert_eq!(c.eligibility.username.as_deref(), Some("38001_BV"));
    assert_eq!(c.eligibility.body_encoding, eligibility::BodyEncoding::Form);
    assert_eq!(
        c.eligibility.login_encoding,
        eligibility::BodyEncoding::Json
    );
    assert_eq!(c.eligibility.timeout_secs, 30);
    assert_eq!(c.eligibility.cache_ttl_secs, 86400);
    let e = parse("[eligibility]\npassword = \"inline\"\n", &[]).unwrap_err();
    assert!(e.contains("password"), "{e}");
}

#[test]
fn recheck_keys() {
    let (c, _) = parse("", &[]).unwrap();
    let e = &c.eligibility;
    assert_eq!(
        (
            e.recheck_path.as_ref(),
            e.recheck_keep_secs,
            e.recheck_delay_secs,
            e.recheck_max_delay_secs
        ),
        (None, 72 * 3600, 60, 1800)
    );
    let (c, _) = parse(
        "[eligibility]\nrecheck_path = \"/var/lib/cccd-bridge/r.sqlite\"\nrecheck_keep_secs = 3600\nrecheck_delay_secs = 1\nrecheck_max_delay_secs = 2\n",
        &[],
    )
    .unwrap();
    assert_eq!(
        c.eligibility.recheck_path.as_deref(),
        Some(Path::new("/var/lib/cccd-bridge/r.sqlite"))
    );
    assert_eq!(c.eligibility.recheck_delay_secs, 1);
    for (bad, want) in [
        (
            "recheck_keep_secs = 0",
            "recheck_keep_secs must be positive",
        ),
        ("recheck_delay_secs = 0", "at least 1"),
        (
            "recheck_delay_secs = 90\nrecheck_max_delay_secs = 60",
            "at most recheck_max_delay_secs (60)",
        ),
    ] {
        let e = parse(&format!("[eligibility]\n{bad}\n"), &[]).unwrap_err();
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[test]
fn several_facilities() {
    let two = "[eligibility]\ngateway_url = \"http://127.0.0.1:8089\"\ncopayment_username = \"facility-code\"\nsource_address = \"127.0.0.2\"\n\
        [[eligibility.facility]]\ncode = \"38001\"\nusername = \"38001_BV\"\npassword_file = \"/etc/a\"\noperator_name = \"Trần Thị Bình\"\noperator_id = \"038190000001\"\n\
        [[eligibility.facility]]\ncode = \"38002\"\nusername = \"38002_BV\"\npassword_file = \"/etc/b\"\n";
    let (c, _) = parse(two, &[]).unwrap();
    let accounts = c.eligibility.accounts().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0].code.as_deref(), Some("38001"));
    assert_eq!(
        accounts[0].operator,
        Some(("Trần Thị Bình".into(), "038190000001".into()))
    );
    assert_eq!(accounts[1].operator, None);
    assert_eq!(
        c.eligibility.copayment_username,
        CopaymentUsername::FacilityCode
    );
    assert_eq!(c.eligibility.source_address, Some([127, 0, 0, 2].into()));
    assert_eq!(
        (
            c.eligibility.base_salary,
            c.eligibility.copayment_timeout_secs
        ),
        (2_340_000, 75)
    );
    // The masked view keeps the tables (and no password).
    let shown = masked(&c).to_string();
    assert!(
        shown.contains("38002_BV") && shown.contains("/etc/b"),
        "{shown}"
    );
    // The single-facility keys are the one facility, unchanged.
    let (c, _) = parse(
        "[eligibility]\ngateway_url = \"http://x\"\nusername = \"38001_BV\"\npassword_file = \"/p\"\nfacility_code = \"38001\"\noperator_name = \"A\"\n",
        &[],
    )
    .unwrap();
    let one = c.eligibility.accounts().unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(
        (one[0].code.as_deref(), one[0].operator.as_ref()),
        (Some("38001"), None)
    );
    // Mixing the forms is refused with what to change, also through the environment.
    let e = parse(two, &vars(&[("CCCD_ELIGIBILITY__USERNAME", "38001_BV")])).unwrap_err();
    assert!(
        e.contains("username") && e.contains("move it into a [[eligibility.facility]]"),
        "{e}"
    );
    let e = parse(
        &two.replace(
            "gateway_url = \"http://127.0.0.1:8089\"\n",
            "facility_code = \"38001\"\noperator_id = \"1\"\n",
        ),
        &[],
    )
    .unwrap_err();
    assert!(
        e.contains("facility_code, operator_id") && e.contains("move them"),
        "{e}"
    );
    for (bad, want) in [
        (
            two.replace("code = \"38002\"", "code = \"38001\""),
            "38001 is given twice",
        ),
        (
            two.replace("code = \"38002\"", "code = \"3800\""),
            "number 2: code must be the 5-digit",
        ),
        (
            two.replace("gateway_url = \"http://127.0.0.1:8089\"\n", ""),
            "need [eligibility] gateway_url",
        ),
        (
            two.replace("operator_id = \"038190000001\"\n", ""),
            "38001: operator_name and operator_id go together",
        ),
        (
            two.replace("038190000001", "12345"),
            "operator_id must be a 12-digit",
        ),
        (
            two.replace("username = \"38002_BV\"", "username = \" \""),
            "38002: username is empty",
        ),
        (two.replace("code = \"38002\"\n", ""), "code"),
    ] {
        let e = parse(&bad, &[]).unwrap_err();
        assert!(e.contains(want), "{want}: {e}");
    }
    let e = parse("[eligibility]\ncopayment_username = \"maybe\"\n", &[]).unwrap_err();
    assert!(e.contains("maybe"), "{e}");
    let e = Config::default().eligibility.accounts().unwrap_err();
    assert!(e.contains("gateway_url"), "{e}");
}

#[test]
fn reads_are_bounded_by_default_and_as_configured() {
    let (c, _) = parse("", &[]).unwrap();
    let l = c.reader.read_limits();
    assert_eq!(
        (
            l.files.file,
            l.files.photo,
            l.files.card_access,
            l.deadline.as_secs()
        ),
        (65536, 1048576, 4096, 20)
    );
    let (c, _) = parse(
        "[reader]\nmax_photo_bytes = 2000000\nread_deadline_secs = 30\n",
        &vars(&[("CCCD_READER__MAX_FILE_BYTES", "100000")]),
    )
    .unwrap();
    let l = c.reader.read_limits();
    assert_eq!(
        (l.files.file, l.files.photo, l.deadline.as_secs()),
        (100000, 2000000, 30)
    );
    let e = parse("[reader]\nread_deadline_secs = 0\n", &[]).unwrap_err();
    assert!(e.contains("read_deadline_secs is 0"), "{e}");
}

#[test]
fn a_mistyped_secret_is_never_echoed() {
    let secret = "0123456789abcdef-not-to-be-seen";
    for (text, env) in [
        (format!("[server]\napi_keys = \"{secret}\"\n"), vec![]),
        (
            "[server]\n".to_owned(),
            vec![("CCCD_SERVER__API_KEYS", secret)],
        ),
        (
            format!("[server]\napi_keys = [\"ok-key-1\", {{ k = \"{secret}\" }}]\n"),
            vec![],
        ),
        (
            format!("[eligibility]\nusername = [\"{secret}\"]\n"),
            vec![],
        ),
        (format!("[server]\napi_keys = [\"{secret}\"\n"), vec![]),
    ] {
        let e = parse(&text, &vars(&env)).unwrap_err();
        assert!(!e.contains(secret) && !e.contains("0123456789"), "{e}");
        assert!(
            e.contains("line") || e.contains("CCCD_SERVER__API_KEYS"),
            "{e}"
        );
    }
    let e = parse(&format!("[server]\napi_keys = \"{secret}\"\n"), &[]).unwrap_err();
    assert!(
        e.contains("key `api_keys`") && e.contains("expected a sequence"),
        "{e}"
    );
}

#[test]
fn desk_log_and_push_sections() {
    let (c, _) = parse(
        "[desk]\nname = \"quay-01\"\n[log]\nformat = \"json\"\n[[push.endpoint]]\nname = \"his\"\nurl = \"https://his.local/cccd\"\nevents = [\"card.read\", \"eligibility.result\"]\nsecret_file = \"/etc/cccd-bridge/his.secret\"\n",
        &vars(&[("CCCD_PUSH__MAX_EVENTS", "500")]),
    )
    .unwrap();
    assert_eq!(c.desk.name(), "quay-01");
    assert_eq!(c.log.format, crate::logging::LogFormat::Json);
    assert_eq!((c.push.endpoints.len(), c.push.max_events), (1, 500));
    let shown = masked(&c).to_string();
    assert!(shown.contains("/etc/cccd-bridge/his.secret"), "{shown}");
    // The host name by default, the same for every use.
    let (c, _) = parse("", &[]).unwrap();
    assert_eq!(c.desk.name(), crate::desk::host_name());
    assert_eq!(c.log.format, crate::logging::LogFormat::Text);
    for (text, want) in [
        ("[log]\nformat = \"xml\"\n", "use \"text\" or \"json\""),
        ("[desk]\nname = \"quầy 1\"\n", "[desk] name"),
        (
            "[[push.endpoint]]\nurl = \"http://his.local/\"\nevents = [\"card.read\"]\nsecret_file = \"/s\"\n",
            "trusted_network = true",
        ),
        (
            "[[push.endpoint]]\nurl = \"https://his.local/\"\nevents = [\"card.readd\"]\nsecret_file = \"/s\"\n",
            "unknown event \"card.readd\"",
        ),
        (
            "[[push.endpoint]]\nurl = \"https://his.local/\"\nevents = [\"card.read\"]\nsecret = \"inline\"\n",
            "secret",
        ),
    ] {
        let e = parse(text, &[]).unwrap_err();
        assert!(e.contains(want), "{want}: {e}");
    }
}

#[test]
fn secrets_are_masked() {
    let mut v: toml::Value = "[server]\napi_keys = [\"abc\"]\npassword_file = \"/etc/x\"\n[eligibility]\npassword = \"p\"\n".parse::<toml::Table>().map(toml::Value::Table).unwrap();
    mask(&mut v);
    let s = v.to_string();
    assert!(!s.contains("abc") && !s.contains("\"p\""), "{s}");
    assert!(s.contains("/etc/x"), "{s}");
}
