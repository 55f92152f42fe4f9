//! The stack's monitoring, checked offline: every function's throttles raise
//! an alarm, every alarm notifies the optional topic, and the dashboard reads
//! the namespace and metric names the functions really emit.

use std::collections::BTreeSet;

use serde_norway::Value;
use shared::ground::telemetry::names;

use crate::{functions, template};

/// The string inside `!Sub "..."` (or `{"Fn::Sub": "..."}`).
fn sub(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Sub" => tagged.value.as_str(),
        _ => value["Fn::Sub"].as_str(),
    }
}

fn reference(value: &Value) -> Option<&str> {
    match value {
        Value::Tagged(tagged) if tagged.tag == "Ref" => tagged.value.as_str(),
        _ => value["Ref"].as_str(),
    }
}

fn resources_of_type<'a>(template: &'a Value, kind: &str) -> Vec<(String, &'a Value)> {
    template["Resources"]
        .as_mapping()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(kind))
        .map(|(id, r)| (id.as_str().unwrap().to_owned(), r))
        .collect()
}

/// The namespace every function writes its metrics to.
fn metrics_namespace(template: &Value) -> String {
    sub(&template["Globals"]["Function"]["Environment"]["Variables"]["METRICS_NAMESPACE"])
        .expect("METRICS_NAMESPACE is a !Sub for every function")
        .to_owned()
}

#[test]
fn every_function_has_its_throttles_alarmed_exactly_once() {
    let template = template();
    let mut covered: Vec<String> = Vec::new();
    for (id, alarm) in resources_of_type(&template, "AWS::CloudWatch::Alarm") {
        let Some(metrics) = alarm["Properties"]["Metrics"].as_sequence() else {
            continue;
        };
        for query in metrics {
            let metric = &query["MetricStat"]["Metric"];
            if metric["Namespace"].as_str() == Some("AWS/Lambda")
                && metric["MetricName"].as_str() == Some("Throttles")
            {
                assert!(id.ends_with("ThrottlesAlarm"), "{id} watches throttles");
                for dimension in metric["Dimensions"].as_sequence().unwrap() {
                    assert_eq!(dimension["Name"].as_str(), Some("FunctionName"));
                    covered.push(reference(&dimension["Value"]).unwrap().to_owned());
                }
            }
        }
        // CloudWatch refuses a metric-math alarm over more than 10 metrics.
        let fetched = metrics
            .iter()
            .filter(|q| !q["MetricStat"].is_null())
            .count();
        assert!(
            fetched <= 10,
            "{id} reads {fetched} metrics; an alarm may read 10"
        );
    }
    let all: BTreeSet<String> = functions(&template)
        .into_iter()
        .map(|(id, ..)| id)
        .collect();
    let unique: BTreeSet<String> = covered.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        covered.len(),
        "a function is in two throttle alarms: {covered:?}"
    );
    assert_eq!(
        unique, all,
        "every function, and only functions, in a throttle alarm"
    );
}

#[test]
fn every_alarm_notifies_the_topic_when_one_is_given() {
    let template = template();
    let alarms = resources_of_type(&template, "AWS::CloudWatch::Alarm");
    assert!(
        alarms.len() >= 8,
        "the stack has its alarms: {}",
        alarms.len()
    );
    for (id, alarm) in alarms {
        let actions = &alarm["Properties"]["AlarmActions"];
        let Value::Tagged(tagged) = actions else {
            panic!("{id}: AlarmActions is an !If on NotifyAlarms");
        };
        assert_eq!(tagged.tag, "If", "{id}");
        let branches = tagged.value.as_sequence().unwrap();
        assert_eq!(branches[0].as_str(), Some("NotifyAlarms"), "{id}");
        assert_eq!(
            reference(&branches[1][0]),
            Some("AlarmTopicArn"),
            "{id} notifies the topic"
        );
        assert_eq!(
            alarm["Properties"]["TreatMissingData"].as_str(),
            Some("notBreaching"),
            "{id}: no traffic is no alarm"
        );
    }
}

#[test]
fn the_api_error_rate_latency_throttles_and_the_table_are_alarmed() {
    let template = template();
    let resources = &template["Resources"];
    let api = |alarm: &str| {
        let properties = &resources[alarm]["Properties"];
        let dimension_sets: Vec<&Value> = match properties["Metrics"].as_sequence() {
            Some(metrics) => metrics
                .iter()
                .filter_map(|q| q["MetricStat"]["Metric"]["Dimensions"].as_sequence())
                .flatten()
                .collect(),
            None => properties["Dimensions"]
                .as_sequence()
                .unwrap()
                .iter()
                .collect(),
        };
        assert!(
            dimension_sets
                .iter()
                .all(|d| d["Name"].as_str() == Some("ApiId")
                    && reference(&d["Value"]) == Some("HttpApi")),
            "{alarm} watches this stack's API"
        );
    };
    api("ApiErrorRateAlarm");
    api("ApiLatencyAlarm");
    assert_eq!(
        resources["ApiLatencyAlarm"]["Properties"]["ExtendedStatistic"].as_str(),
        Some("p99")
    );
    let filter = &resources["ApiThrottledRequests"]["Properties"];
    let transformation = &filter["MetricTransformations"][0];
    assert_eq!(
        sub(&transformation["MetricNamespace"]),
        Some(metrics_namespace(&template).as_str())
    );
    assert_eq!(
        resources["ApiThrottlesAlarm"]["Properties"]["MetricName"],
        transformation["MetricName"]
    );
    let table_metrics: Vec<&str> = resources["TableThrottlesAlarm"]["Properties"]["Metrics"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|q| q["MetricStat"]["Metric"]["MetricName"].as_str())
        .collect();
    assert!(table_metrics.contains(&"ReadThrottleEvents"));
    assert!(table_metrics.contains(&"WriteThrottleEvents"));
    let worker = serde_norway::to_string(&resources["StreamWorkerErrorsAlarm"]).unwrap();
    assert!(worker.contains(names::RECORDS_FAILED), "{worker}");
    let jobs = &resources["JobsFailedAlarm"]["Properties"];
    assert_eq!(jobs["MetricName"].as_str(), Some(names::JOBS_FAILED));
    assert_eq!(jobs["Threshold"].as_u64(), Some(0), "one failed job alarms");
}

/// The dashboard's body as JSON, each `${...}` of its !Sub kept as text.
fn dashboard(template: &Value) -> (serde_json::Value, String) {
    let body = sub(&template["Resources"]["Dashboard"]["Properties"]["DashboardBody"])
        .expect("the dashboard body is a !Sub");
    (
        serde_json::from_str(body).expect("the dashboard body is JSON"),
        body.to_owned(),
    )
}

#[test]
fn the_dashboard_shows_every_metric_the_functions_emit_in_their_namespace() {
    let template = template();
    let namespace = metrics_namespace(&template);
    let (dashboard, body) = dashboard(&template);
    let searches: Vec<String> = dashboard["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["properties"]["metrics"].as_array())
        .flatten()
        .filter_map(|row| row[0]["expression"].as_str().map(str::to_owned))
        .collect();
    for search in &searches {
        assert!(
            search.starts_with(&format!("SEARCH('{{{namespace},Function")),
            "{search} searches the functions' namespace"
        );
    }
    for metric in [
        names::REQUESTS,
        names::LATENCY,
        names::COLD_START,
        names::DYNAMODB_CALLS,
        names::DYNAMODB_RETRIES,
        names::DYNAMODB_THROTTLES,
        names::READ_UNITS,
        names::WRITE_UNITS,
    ] {
        assert!(
            searches
                .iter()
                .any(|s| s.contains(&format!("MetricName=\"{metric}\""))),
            "the dashboard charts {metric} for every function"
        );
    }
    for metric in [
        names::RECORDS_APPLIED,
        names::RECORDS_FAILED,
        names::JOBS_FINISHED,
        names::JOBS_FAILED,
    ] {
        assert!(
            body.contains(&format!("\"{metric}\"")),
            "the dashboard charts {metric}"
        );
    }
    let requests = searches
        .iter()
        .find(|s| s.contains("\"Requests\""))
        .unwrap();
    assert!(
        requests.contains(names::STATUS_CLASS),
        "requests are split by status class"
    );
}

#[test]
fn the_dashboard_names_only_resources_of_the_stack_and_shows_every_alarm() {
    let template = template();
    let (dashboard, body) = dashboard(&template);
    let resources = template["Resources"].as_mapping().unwrap();
    let mut rest = body.as_str();
    while let Some(start) = rest.find("${") {
        let end = rest[start..].find('}').unwrap() + start;
        let name = &rest[start + 2..end];
        let resource = name.split('.').next().unwrap();
        assert!(
            resource.starts_with("AWS::") || resources.contains_key(resource),
            "the dashboard names ${{{name}}}, which the stack does not have"
        );
        rest = &rest[end..];
    }
    let shown: BTreeSet<String> = dashboard["widgets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|w| w["type"] == "alarm")
        .flat_map(|w| w["properties"]["alarms"].as_array().unwrap().clone())
        .map(|a| {
            a.as_str()
                .unwrap()
                .trim_start_matches("${")
                .trim_end_matches(".Arn}")
                .to_owned()
        })
        .collect();
    let alarms: BTreeSet<String> = resources_of_type(&template, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(shown, alarms, "the alarm widget shows every alarm");
}
