//! Results: a human-readable table, or one JSON object per run.

use std::fmt::Write as _;

/// A figure's value.
#[derive(Debug, Clone)]
pub enum Value {
    Int(u64),
    Float(f64),
    Text(String),
}

impl Value {
    fn human(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Float(f) => format!("{f:.3}"),
            Value::Text(s) => s.clone(),
        }
    }

    fn json(&self) -> String {
        match self {
            Value::Int(n) => n.to_string(),
            Value::Float(f) if f.is_finite() => format!("{f:.6}"),
            Value::Float(_) => "null".to_string(),
            Value::Text(s) => json_string(s),
        }
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[derive(Debug, Default)]
pub struct Report {
    pub scenario: String,
    pub params: Vec<(String, Value)>,
    pub figures: Vec<(String, Value)>,
}

impl Report {
    pub fn param(&mut self, k: &str, v: Value) {
        self.params.push((k.to_string(), v));
    }

    pub fn figure(&mut self, k: &str, v: Value) {
        self.figures.push((k.to_string(), v));
    }

    pub fn get(&self, k: &str) -> Option<&Value> {
        self.figures.iter().find(|(n, _)| n == k).map(|(_, v)| v)
    }

    pub fn to_json(&self) -> String {
        let obj = |pairs: &[(String, Value)]| {
            let inner: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("{}:{}", json_string(k), v.json()))
                .collect();
            format!("{{{}}}", inner.join(","))
        };
        format!(
            "{{\"scenario\":{},\"parameters\":{},\"figures\":{}}}",
            json_string(&self.scenario),
            obj(&self.params),
            obj(&self.figures)
        )
    }

    pub fn to_table(&self) -> String {
        let width = self
            .params
            .iter()
            .chain(&self.figures)
            .map(|(k, _)| k.len())
            .max()
            .unwrap_or(10);
        let mut out = format!("scenario: {}\n", self.scenario);
        out.push_str("parameters:\n");
        for (k, v) in &self.params {
            let _ = writeln!(out, "  {k:<width$}  {}", v.human());
        }
        out.push_str("results:\n");
        for (k, v) in &self.figures {
            let _ = writeln!(out, "  {k:<width$}  {}", v.human());
        }
        out
    }
}

/// Latency percentiles (microseconds in, milliseconds out) of a sample.
pub fn percentiles(samples: &mut [u32]) -> Vec<(&'static str, f64)> {
    if samples.is_empty() {
        return vec![];
    }
    samples.sort_unstable();
    let at = |q: f64| {
        let idx = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples[idx.min(samples.len() - 1)] as f64 / 1000.0
    };
    vec![
        ("p50_ms", at(0.50)),
        ("p90_ms", at(0.90)),
        ("p99_ms", at(0.99)),
        ("p99_9_ms", at(0.999)),
        ("max_ms", at(1.0)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_percentiles() {
        let mut r = Report {
            scenario: "chat".into(),
            ..Report::default()
        };
        r.param("clients", Value::Int(3));
        r.figure("note", Value::Text("a \"b\"\n".into()));
        assert_eq!(
            r.to_json(),
            "{\"scenario\":\"chat\",\"parameters\":{\"clients\":3},\"figures\":{\"note\":\"a \\\"b\\\"\\n\"}}"
        );
        let mut s: Vec<u32> = (1..=1000).map(|i| i * 1000).collect();
        let p = percentiles(&mut s);
        assert_eq!(p[0], ("p50_ms", 501.0));
        assert_eq!(p[4], ("max_ms", 1000.0));
    }
}
