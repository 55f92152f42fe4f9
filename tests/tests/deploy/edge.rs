//! The edge (`EdgeCache` "on"), checked offline against the template:
//! CloudFront keeps only what the functions' answers let a shared cache
//! keep, modelled on CloudFront's documented rules and run over the
//! headers `shared::edge::cache` really writes; the origin secret is
//! required of every request and readable by every HTTP function; the web
//! ACL limits each address; CORS lets a browser use the headers.

use conduit_tools::event::call;
use lambda_http::{Body, Response};
use serde_norway::Value;
use shared::{
    Function,
    app::{ORIGIN_HEADER, VIEWER_ADDRESS_HEADER},
    edge::cache::{self, Asked},
    ground::config::Caching,
};

use crate::{functions, template};

/// The resource or parameter a `!Ref`, `!GetAtt` or `!Sub` names.
fn names(value: &Value) -> String {
    match value {
        Value::Tagged(tagged) => format!("{} {:?}", tagged.tag, tagged.value),
        other => format!("{other:?}"),
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_sequence()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_lowercase))
                .collect()
        })
        .unwrap_or_default()
}

fn number(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str().and_then(|s| s.parse().ok()))
        .unwrap_or_else(|| panic!("a number: {value:?}"))
}

const EDGE: [&str; 6] = [
    "OriginSecret",
    "OriginSecretReaders",
    "EdgeCachePolicy",
    "EdgeOriginRequestPolicy",
    "EdgeWebAcl",
    "Edge",
];

#[test]
fn the_edge_exists_only_when_asked_for() {
    let template = template();
    assert_eq!(
        template["Parameters"]["EdgeCache"]["Default"].as_str(),
        Some("off")
    );
    for id in EDGE {
        assert_eq!(
            template["Resources"][id]["Condition"].as_str(),
            Some("EdgeOn"),
            "{id}"
        );
    }
    assert_eq!(
        template["Outputs"]["EdgeUrl"]["Condition"].as_str(),
        Some("EdgeOn")
    );
}

/// How long CloudFront keeps an answer under a cache policy, as its
/// documentation has it: one marked `no-store`, `no-cache` or `private`
/// for the policy's minimum TTL only (never, at 0); otherwise `s-maxage`
/// (else `max-age`) held between the minimum and the maximum; without
/// either, the default TTL.
fn cloudfront_keeps(policy: &Value, cache_control: Option<&str>) -> u64 {
    let (min, default, max) = (
        number(&policy["MinTTL"]),
        number(&policy["DefaultTTL"]),
        number(&policy["MaxTTL"]),
    );
    let directives: Vec<String> = cache_control
        .unwrap_or_default()
        .split(',')
        .map(|d| d.trim().to_lowercase())
        .collect();
    let has = |name: &str| directives.iter().any(|d| d == name);
    if has("no-store") || has("no-cache") || has("private") {
        return min;
    }
    let seconds = |name: &str| {
        directives
            .iter()
            .find_map(|d| d.strip_prefix(&format!("{name}="))?.parse::<u64>().ok())
    };
    match seconds("s-maxage").or_else(|| seconds("max-age")) {
        Some(s) => s.clamp(min, max),
        None => default,
    }
}

#[test]
fn the_edge_keeps_public_reads_for_s_maxage_and_never_a_private_or_no_store_answer() {
    let template = template();
    let policy = &template["Resources"]["EdgeCachePolicy"]["Properties"]["CachePolicyConfig"];
    let shared_max = number(&template["Parameters"]["CacheSharedSeconds"]["MaxValue"]);
    assert!(
        number(&policy["MaxTTL"]) >= shared_max,
        "the policy's MaxTTL cuts the CacheSharedSeconds the stack allows"
    );
    let caching = Caching {
        shared_seconds: number(&template["Parameters"]["CacheSharedSeconds"]["Default"]),
        stale_seconds: number(&template["Parameters"]["CacheStaleSeconds"]["Default"]),
    };
    let key = &policy["ParametersInCacheKeyAndForwardedToOrigin"];
    assert_eq!(strings(&key["HeadersConfig"]["Headers"]), ["authorization"]);
    assert_eq!(
        key["QueryStringsConfig"]["QueryStringBehavior"].as_str(),
        Some("all"),
        "lists differ by query"
    );
    assert_eq!(
        key["CookiesConfig"]["CookieBehavior"].as_str(),
        Some("none")
    );

    for function in Function::ALL {
        let Some(route) = function.route() else {
            continue;
        };
        let path = route
            .path
            .replace("{slug}", "s")
            .replace("{username}", "u")
            .replace("{id}", "1");
        for token in [false, true] {
            for status in [200u16, 304, 404, 401, 503] {
                let mut c = call(route.method, &path);
                if token {
                    c = c.token("t");
                }
                let asked = Asked::of(&c.request());
                let response = Response::builder()
                    .status(status)
                    .body(Body::Text("{}".into()))
                    .unwrap();
                let answered = cache::finish(function, &asked, &caching, response);
                let control = answered
                    .headers()
                    .get("cache-control")
                    .and_then(|v| v.to_str().ok());
                let kept = cloudfront_keeps(policy, control);
                // A 304 tells a cache its copy is current, so it renews that copy's
                // freshness with the same headers a 200 carries.
                let public = route.method == "GET"
                    && !token
                    && ((200..300).contains(&status) || status == 304)
                    && function.caching() == cache::Kind::Public;
                if public {
                    assert_eq!(kept, caching.shared_seconds, "{function:?} {control:?}");
                } else {
                    assert_eq!(kept, 0, "{function:?} token {token} {status}: {control:?}");
                }
            }
        }
    }
}

#[test]
fn every_request_through_the_edge_carries_the_origin_secret_and_no_other_is_served() {
    let template = template();
    let edge = &template["Resources"]["Edge"]["Properties"]["DistributionConfig"];
    let origin = &edge["Origins"][0];
    assert!(names(&origin["DomainName"]).contains("HttpApi"));
    assert_eq!(
        origin["CustomOriginConfig"]["OriginProtocolPolicy"].as_str(),
        Some("https-only")
    );
    let header = &origin["OriginCustomHeaders"][0];
    assert_eq!(
        header["HeaderName"]
            .as_str()
            .map(str::to_lowercase)
            .as_deref(),
        Some(ORIGIN_HEADER)
    );
    assert!(
        names(&header["HeaderValue"]).contains("resolve:secretsmanager:${OriginSecret}"),
        "the header's value is the secret, resolved at deploy"
    );
    let behaviour = &edge["DefaultCacheBehavior"];
    assert!(names(&behaviour["CachePolicyId"]).contains("EdgeCachePolicy"));
    assert!(names(&behaviour["OriginRequestPolicyId"]).contains("EdgeOriginRequestPolicy"));
    assert_eq!(
        behaviour["ViewerProtocolPolicy"].as_str(),
        Some("https-only")
    );
    assert!(names(&edge["WebACLId"]).contains("EdgeWebAcl"));

    // What the functions read beyond the cache key reaches them.
    let forwarded = strings(
        &template["Resources"]["EdgeOriginRequestPolicy"]["Properties"]["OriginRequestPolicyConfig"]
            ["HeadersConfig"]["Headers"],
    );
    for needed in [
        VIEWER_ADDRESS_HEADER,
        "if-match",
        "idempotency-key",
        "content-type",
    ] {
        assert!(
            forwarded.iter().any(|h| h == needed),
            "{needed} is forwarded"
        );
    }

    // Every HTTP function is told the secret and may read it; the stream
    // worker, which takes no request, is not.
    let global = &template["Globals"]["Function"]["Environment"]["Variables"]["ORIGIN_SECRET_ARN"];
    assert!(names(global).contains("EdgeOn") && names(global).contains("OriginSecret"));
    let readers: Vec<String> = template["Resources"]["OriginSecretReaders"]["Properties"]["Roles"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(names)
        .collect();
    let statement = &template["Resources"]["OriginSecretReaders"]["Properties"]["PolicyDocument"]["Statement"]
        [0];
    assert_eq!(
        statement["Action"].as_str(),
        Some("secretsmanager:GetSecretValue")
    );
    assert!(names(&statement["Resource"]).contains("OriginSecret"));
    for (id, properties, _) in functions(&template) {
        let own = &properties["Environment"]["Variables"]["ORIGIN_SECRET_ARN"];
        let reads = readers.iter().any(|r| r.contains(&format!("\"{id}Role\"")));
        if id == "StreamWorkerFunction" {
            assert_eq!(own.as_str(), Some(""), "{id} is not told the secret");
            assert!(!reads, "{id} may not read it");
        } else {
            assert!(own.is_null(), "{id} keeps the global value");
            assert!(reads, "{id} may read the origin secret");
        }
    }
}

#[test]
fn the_web_acl_cuts_off_one_address_at_the_edge() {
    let template = template();
    let acl = &template["Resources"]["EdgeWebAcl"]["Properties"];
    assert_eq!(acl["Scope"].as_str(), Some("CLOUDFRONT"));
    let rules = acl["Rules"].as_sequence().unwrap();
    let limited = rules
        .iter()
        .find(|r| !r["Statement"]["RateBasedStatement"].is_null())
        .expect("a rate-based rule");
    let statement = &limited["Statement"]["RateBasedStatement"];
    assert_eq!(statement["AggregateKeyType"].as_str(), Some("IP"));
    assert!(names(&statement["Limit"]).contains("EdgeRateLimitPer5Minutes"));
    let block = &limited["Action"]["Block"]["CustomResponse"];
    assert_eq!(number(&block["ResponseCode"]), 429);
    let key = block["CustomResponseBodyKey"].as_str().unwrap();
    let body: serde_json::Value = serde_json::from_str(
        acl["CustomResponseBodies"][key]["Content"]
            .as_str()
            .unwrap(),
    )
    .expect("the edge's refusal is JSON");
    assert!(
        body["errors"]["request"][0].is_string(),
        "in the RealWorld shape"
    );
}

#[test]
fn a_browser_may_send_preconditions_and_read_tags_and_retry_after() {
    let template = template();
    let cors = &template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"];
    let allowed = strings(&cors["AllowHeaders"]);
    for header in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    ] {
        assert!(allowed.iter().any(|h| h == header), "{header} allowed");
    }
    let exposed = strings(&cors["ExposeHeaders"]);
    let answered: Vec<String> = shared::edge::serve::EXPOSED_HEADERS
        .split(',')
        .map(|h| h.trim().to_lowercase())
        .collect();
    assert_eq!(
        exposed, answered,
        "the functions expose what the template does"
    );
    for header in ["etag", "retry-after"] {
        assert!(exposed.iter().any(|h| h == header), "{header} exposed");
    }
}
