//! Exports: Graphviz DOT (the whole graph or one host's neighbourhood) and BloodHound
//! OpenGraph JSON. Only ids, kinds and metadata leave: a [`patchloop_model::Secret`] holds
//! no secret material, and fingerprints and external ids are left out as well.
use std::collections::BTreeMap;
use std::fmt::Write as _;

use patchloop_model::{AssetId, Privilege, SecretOrigin, Timestamp};
use serde::{Deserialize, Serialize};

use crate::blast::walk;
use crate::build::{EdgeData, Graph};
use crate::reach::NONE;
use crate::{EdgeKind, GraphError, NodeKind};

/// OpenGraph `metadata.source_kind`: BloodHound adds it as a kind to every node.
pub const OPENGRAPH_SOURCE_KIND: &str = "PatchLoop";

/// A BloodHound OpenGraph payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenGraph {
    /// Payload metadata.
    pub metadata: OgMetadata,
    /// The graph.
    pub graph: OgGraph,
}

/// OpenGraph payload metadata.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OgMetadata {
    /// The kind BloodHound adds to every node of the payload.
    pub source_kind: String,
}

/// Nodes and edges.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OgGraph {
    /// Nodes, by kind then id.
    pub nodes: Vec<OgNode>,
    /// Edges, by start, end and kind.
    pub edges: Vec<OgEdge>,
}

/// An OpenGraph node.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OgNode {
    /// Unique id: `patchloop:<kind>:<model id>`.
    pub id: String,
    /// Kinds, primary first (`PL_Host`, `PL_Secret`, `PL_Identity`, `PL_Resource`, with
    /// `PL_CrownJewel` or `PL_Uninventoried` as a second kind where it applies).
    pub kinds: Vec<String>,
    /// Lower-case properties; absent values are left out.
    pub properties: BTreeMap<String, OgValue>,
}

/// An OpenGraph edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OgEdge {
    /// Start node.
    pub start: OgEndpoint,
    /// End node.
    pub end: OgEndpoint,
    /// PascalCase kind with the `PL_` prefix: `PL_StoresSecret`, `PL_AuthenticatesAs`,
    /// `PL_CanRead`, `PL_CanWrite`, `PL_CanAdmin`, `PL_RunsOn`, `PL_ContainsSecret`.
    pub kind: String,
    /// Properties (`privilege` on access edges).
    pub properties: BTreeMap<String, OgValue>,
}

/// How an edge names a node.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OgEndpoint {
    /// Always `id`.
    pub match_by: String,
    /// The node's `id`.
    pub value: String,
}

/// A property value: OpenGraph allows only primitives (no nulls, no objects).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum OgValue {
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
}

impl From<&str> for OgValue {
    fn from(s: &str) -> Self {
        OgValue::Str(s.to_string())
    }
}

impl From<bool> for OgValue {
    fn from(b: bool) -> Self {
        OgValue::Bool(b)
    }
}

fn ts(t: &Timestamp) -> OgValue {
    OgValue::Str(t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
}

fn og_edge_kind(d: &EdgeData) -> &'static str {
    match (d.kind, d.privilege) {
        (EdgeKind::Stores, _) => "PL_StoresSecret",
        (EdgeKind::AuthenticatesAs, _) => "PL_AuthenticatesAs",
        (EdgeKind::Access, Some(Privilege::Admin)) => "PL_CanAdmin",
        (EdgeKind::Access, Some(Privilege::Write)) => "PL_CanWrite",
        (EdgeKind::Access, _) => "PL_CanRead",
        (EdgeKind::RunsOn, _) => "PL_RunsOn",
        (EdgeKind::Contains, _) => "PL_ContainsSecret",
    }
}

/// Quotes a DOT id: ids hold no control characters (the model refuses them), so
/// escaping the quote and the backslash is enough.
fn dot_quote(s: &str) -> String {
    format!("\"{}\"", dot_escape(s))
}

fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

impl Graph {
    fn og_id(&self, node: u32) -> String {
        format!(
            "patchloop:{}:{}",
            self.kind_of(node),
            self.node_id_str(node)
        )
    }

    fn og_node(&self, node: u32) -> OgNode {
        let mut p: BTreeMap<String, OgValue> = BTreeMap::new();
        let mut put = |k: &str, v: OgValue| {
            p.insert(k.to_string(), v);
        };
        put("name", self.node_id_str(node).into());
        let mut kinds = Vec::with_capacity(2);
        match self.kind_of(node) {
            NodeKind::Host => {
                kinds.push("PL_Host".to_string());
                if let Some(info) = self.host_info(node) {
                    put("asset_id", info.id.as_str().into());
                    put("in_inventory", info.asset.is_some().into());
                    put("criticality", info.criticality().as_str().into());
                    match &info.asset {
                        Some(a) => {
                            if let Some(h) = &a.hostname {
                                put("hostname", h.as_str().into());
                            }
                            if let Some(h) = &a.fqdn {
                                put("fqdn", h.as_str().into());
                            }
                            if let Some(r) = a.role {
                                put("role", r.as_str().into());
                                put("privileged_role", r.is_privileged().into());
                            }
                            put("exposure", a.exposure.as_str().into());
                            if let Some(e) = a.environment {
                                put("environment", e.as_str().into());
                            }
                            if let Some(o) = &a.owner {
                                put("owner", (&**o).into());
                            }
                        }
                        None => kinds.push("PL_Uninventoried".to_string()),
                    }
                }
            }
            NodeKind::Secret => {
                kinds.push("PL_Secret".to_string());
                if let Some(info) = self.secret_info(node) {
                    put("secret_id", info.id.as_str().into());
                    put("in_inventory", info.secret.is_some().into());
                    if let Some(m) = &info.secret {
                        put("host", m.asset_id.as_str().into());
                        if let Some(k) = m.kind {
                            put("secret_kind", k.as_str().into());
                        }
                        if let Some(l) = m.location {
                            put("location", l.as_str().into());
                        }
                        if let Some(i) = &m.identity {
                            put("identity", i.as_str().into());
                        }
                        for (k, t) in [
                            ("created_at", &m.created_at),
                            ("rotated_at", &m.rotated_at),
                            ("expires_at", &m.expires_at),
                        ] {
                            if let Some(t) = t {
                                put(k, ts(t));
                            }
                        }
                        match &m.origin {
                            SecretOrigin::Inventory => put("origin", "inventory".into()),
                            SecretOrigin::Leak {
                                scanner,
                                rule,
                                verified,
                                ..
                            } => {
                                put("origin", "leak".into());
                                put("scanner", (&**scanner).into());
                                if let Some(r) = rule {
                                    put("rule", (&**r).into());
                                }
                                if let Some(v) = verified {
                                    put("verified", (*v).into());
                                }
                            }
                        }
                    }
                }
            }
            NodeKind::Identity => kinds.push("PL_Identity".to_string()),
            NodeKind::Resource => {
                kinds.push("PL_Resource".to_string());
                if let Some(info) = self.resource_info(node) {
                    put("resource_id", info.id.as_str().into());
                    put("in_inventory", info.in_inventory.into());
                    put("crown_jewel", info.crown_jewel.into());
                    put("blast_weight", OgValue::Int(info.blast_weight() as i64));
                    if let Some(k) = info.kind {
                        put("resource_kind", k.as_str().into());
                    }
                    if let Some(c) = info.criticality {
                        put("criticality", c.as_str().into());
                    }
                    if info.crown_jewel {
                        kinds.push("PL_CrownJewel".to_string());
                    }
                }
            }
        }
        OgNode {
            id: self.og_id(node),
            kinds,
            properties: p,
        }
    }

    /// The whole graph as a BloodHound OpenGraph payload.
    pub fn to_opengraph(&self) -> OpenGraph {
        let nodes = (0..self.node_count()).map(|n| self.og_node(n)).collect();
        let edges = self
            .all_edges()
            .into_iter()
            .map(|(a, b, d)| {
                let mut properties = BTreeMap::new();
                if let Some(p) = d.privilege {
                    properties.insert("privilege".to_string(), p.as_str().into());
                }
                OgEdge {
                    start: OgEndpoint {
                        match_by: "id".to_string(),
                        value: self.og_id(a),
                    },
                    end: OgEndpoint {
                        match_by: "id".to_string(),
                        value: self.og_id(b),
                    },
                    kind: og_edge_kind(&d).to_string(),
                    properties,
                }
            })
            .collect();
        OpenGraph {
            metadata: OgMetadata {
                source_kind: OPENGRAPH_SOURCE_KIND.to_string(),
            },
            graph: OgGraph { nodes, edges },
        }
    }

    /// The OpenGraph payload as JSON text.
    pub fn to_opengraph_json(&self) -> Result<String, GraphError> {
        serde_json::to_string(&self.to_opengraph()).map_err(|e| GraphError::Json(e.to_string()))
    }

    /// One node statement; `focus` marks the host a neighbourhood is drawn for,
    /// `read_only` a resource reached only by `read`.
    fn dot_node(&self, out: &mut String, node: u32, focus: bool, read_only: bool) {
        let kind = self.kind_of(node);
        let id = self.node_id_str(node);
        // `\n` is DOT's own line break inside a label.
        let mut attrs = vec![format!("label=\"{kind}\\n{}\"", dot_escape(id))];
        match kind {
            NodeKind::Host => {
                attrs.push("shape=box".into());
                let uninventoried = self.host_info(node).is_some_and(|i| i.asset.is_none());
                match (focus, uninventoried) {
                    (true, true) => {
                        attrs.push("style=\"filled,dashed\", fillcolor=lightblue".into())
                    }
                    (true, false) => attrs.push("style=filled, fillcolor=lightblue".into()),
                    (false, true) => attrs.push("style=dashed".into()),
                    (false, false) => {}
                }
            }
            NodeKind::Secret => attrs.push("shape=note".into()),
            NodeKind::Identity => attrs.push("shape=ellipse".into()),
            NodeKind::Resource => {
                attrs.push("shape=cylinder".into());
                if let Some(i) = self.resource_info(node) {
                    let mut style = Vec::new();
                    if i.crown_jewel {
                        style.push("filled");
                        attrs.push("fillcolor=gold, peripheries=2".into());
                    }
                    if read_only {
                        style.push("dotted");
                    } else if !i.in_inventory {
                        style.push("dashed");
                    }
                    if !style.is_empty() {
                        attrs.push(format!("style=\"{}\"", style.join(",")));
                    }
                }
            }
        }
        let _ = writeln!(
            out,
            "  {} [{}];",
            dot_quote(&format!("{kind}:{id}")),
            attrs.join(", ")
        );
    }

    fn dot_edge(&self, out: &mut String, a: u32, b: u32, d: &EdgeData) {
        let label = match d.privilege {
            Some(p) => p.as_str(),
            None => d.kind.as_str(),
        };
        let style = match (d.kind, d.privilege) {
            (EdgeKind::Access, Some(Privilege::Admin)) => ", color=red, penwidth=2",
            (EdgeKind::Access, Some(Privilege::Write)) => ", color=darkorange",
            (EdgeKind::Access, _) => ", style=dashed",
            _ => "",
        };
        let _ = writeln!(
            out,
            "  {} -> {} [label={}{}];",
            dot_quote(&format!("{}:{}", self.kind_of(a), self.node_id_str(a))),
            dot_quote(&format!("{}:{}", self.kind_of(b), self.node_id_str(b))),
            dot_quote(label),
            style
        );
    }

    /// The whole graph in Graphviz DOT. Read grants are dashed, write orange, admin red;
    /// crown jewels are gold; uninventoried hosts and unknown resources dashed.
    pub fn to_dot(&self) -> String {
        let mut out =
            String::from("digraph patchloop {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        for n in 0..self.node_count() {
            self.dot_node(&mut out, n, false, false);
        }
        for (a, b, d) in self.all_edges() {
            self.dot_edge(&mut out, a, b, &d);
        }
        out.push_str("}\n");
        out
    }

    /// What `host` reaches, within `depth` edges when given, in Graphviz DOT: the nodes
    /// reached and the edges the walk can take (a resource reached only by `read` is
    /// drawn, dotted, without its way onward).
    pub fn neighbourhood_dot(
        &self,
        host: &AssetId,
        depth: Option<u32>,
    ) -> Result<String, GraphError> {
        let h = self
            .host_node(host)
            .ok_or_else(|| GraphError::UnknownHost(host.clone()))?;
        let idx = self.blast_index();
        let reached = walk(idx, h, depth);
        let mut nodes: BTreeMap<u32, bool> = BTreeMap::new(); // node → expanded
        let mut edges: Vec<(u32, u32, EdgeData)> = Vec::new();
        for &(v, d) in &reached {
            let orig = idx.orig_of(v);
            let twin = v >= idx.n_orig;
            let e = nodes.entry(orig).or_insert(false);
            if !twin {
                *e = true;
            }
            if twin || depth.is_some_and(|m| d >= m) {
                continue;
            }
            for (w, eid) in idx.succ(v) {
                if eid == NONE {
                    continue;
                }
                if let Some(data) = self.edge_data(eid) {
                    edges.push((orig, idx.orig_of(w), data));
                }
            }
        }
        edges.sort_by_key(|&(a, b, d)| (a, b, d.kind));
        let mut out = format!(
            "digraph {} {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n",
            dot_quote(&format!("blast radius of {host}"))
        );
        for (&n, &expanded) in &nodes {
            let read_only = self.kind_of(n) == NodeKind::Resource && !expanded;
            self.dot_node(&mut out, n, n == h, read_only);
        }
        for (a, b, d) in edges {
            self.dot_edge(&mut out, a, b, &d);
        }
        out.push_str("}\n");
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_quote_escapes_quotes_and_backslashes() {
        assert_eq!(dot_quote(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
