//! `GraphBuilder::build` refuses every malformed shape, naming what is wrong.

use super::*;

/// a → b → END, the base the tests below break.
fn chain() -> GraphBuilder<Trail, String> {
    GraphBuilder::new()
        .node("a", visit("a"))
        .node("b", visit("b"))
        .entry("a")
        .edge("a", "b")
        .edge("b", END)
}

fn refused(builder: GraphBuilder<Trail, String>) -> GraphError {
    match builder.build() {
        Ok(_) => panic!("the graph was accepted"),
        Err(error) => error,
    }
}

#[test]
fn build_accepts_the_base_chain() {
    assert!(chain().build().is_ok());
}

#[test]
fn build_refuses_a_graph_without_an_entry() {
    let builder = GraphBuilder::new().node("a", visit("a")).edge("a", END);
    assert!(matches!(refused(builder), GraphError::NoEntry));
}

#[test]
fn build_refuses_two_nodes_with_one_name() {
    let error = refused(chain().node("b", visit("b")));
    assert!(
        matches!(&error, GraphError::DuplicateNode(name) if name == "b"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_end_and_empty_names_for_nodes() {
    for name in [END, ""] {
        let error = refused(chain().node(name, visit("x")));
        assert!(
            matches!(&error, GraphError::ReservedName(refused) if refused == name),
            "{error:?}"
        );
    }
}

#[test]
fn build_refuses_an_edge_to_an_unknown_node() {
    let builder = GraphBuilder::new()
        .node("a", visit("a"))
        .entry("a")
        .edge("a", "nowhere");
    let error = refused(builder);
    assert!(
        matches!(&error, GraphError::UnknownNode { name, .. } if name == "nowhere"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the edge `a` → `nowhere` names the unknown node `nowhere`"
    );
}

#[test]
fn build_refuses_an_edge_from_an_unknown_node() {
    let error = refused(chain().edge("ghost", "a"));
    assert!(
        matches!(&error, GraphError::UnknownNode { name, .. } if name == "ghost"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_an_unknown_entry() {
    let error = refused(chain().entry("start"));
    assert!(
        matches!(&error, GraphError::UnknownNode { name, referenced_by } if name == "start" && referenced_by == "the entry"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_policies_for_unknown_nodes() {
    let error = refused(chain().policy("slow", Policy::default()));
    assert!(
        matches!(&error, GraphError::UnknownNode { name, .. } if name == "slow"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_a_route_to_an_unknown_node() {
    let builder = GraphBuilder::new().node("a", visit("a")).entry("a").conditional_edge(
        "a",
        |_: &Trail| "done",
        [("done", END), ("more", "missing")],
    );
    let error = refused(builder);
    assert!(
        matches!(&error, GraphError::UnknownNode { name, .. } if name == "missing"),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "the route `more` from `a` names the unknown node `missing`"
    );
}

#[test]
fn build_refuses_a_conditional_edge_without_routes_or_with_a_label_twice() {
    let none: [(&str, &str); 0] = [];
    let builder = GraphBuilder::new()
        .node("a", visit("a"))
        .entry("a")
        .conditional_edge("a", |_: &Trail| "x", none);
    assert!(matches!(refused(builder), GraphError::BadRoutes { node, label } if node == "a" && label.is_empty()));
    let builder = GraphBuilder::new().node("a", visit("a")).entry("a").conditional_edge(
        "a",
        |_: &Trail| "x",
        [("x", END), ("x", "a")],
    );
    assert!(matches!(refused(builder), GraphError::BadRoutes { node, label } if node == "a" && label == "x"));
}

#[test]
fn build_refuses_a_node_with_a_static_and_a_conditional_edge() {
    let error = refused(chain().conditional_edge("a", |_: &Trail| "end", [("end", END)]));
    assert!(
        matches!(&error, GraphError::StaticAndConditional(node) if node == "a"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_a_node_with_two_edges_of_one_kind() {
    let error = refused(chain().edge("a", END));
    assert!(
        matches!(&error, GraphError::SeveralEdges(node) if node == "a"),
        "{error:?}"
    );
    let builder = GraphBuilder::new()
        .node("a", visit("a"))
        .entry("a")
        .conditional_edge("a", |_: &Trail| "end", [("end", END)])
        .conditional_edge("a", |_: &Trail| "end", [("end", END)]);
    assert!(matches!(refused(builder), GraphError::SeveralEdges(node) if node == "a"));
}

#[test]
fn build_refuses_a_node_without_an_outgoing_edge() {
    let builder = GraphBuilder::new()
        .node("a", visit("a"))
        .node("b", visit("b"))
        .entry("a")
        .edge("a", "b");
    let error = refused(builder);
    assert!(
        matches!(&error, GraphError::NoOutgoingEdge(node) if node == "b"),
        "{error:?}"
    );
}

#[test]
fn build_refuses_nodes_unreachable_from_the_entry() {
    let builder = chain()
        .node("orphan", visit("orphan"))
        .node("island", visit("island"))
        .edge("orphan", "island")
        .edge("island", END);
    let error = refused(builder);
    assert!(
        matches!(&error, GraphError::Unreachable(nodes) if nodes == &["island", "orphan"]),
        "{error:?}"
    );
}

#[test]
fn build_counts_every_route_of_a_conditional_edge_as_reachable() {
    let graph = GraphBuilder::<Trail, String>::new()
        .node("a", visit("a"))
        .node("rare", visit("rare"))
        .entry("a")
        .conditional_edge("a", |_: &Trail| "usual", [("usual", END), ("rare", "rare")])
        .edge("rare", END)
        .build();
    assert!(graph.is_ok());
}

#[test]
fn build_refuses_a_zero_step_budget() {
    assert!(matches!(refused(chain().max_steps(0)), GraphError::ZeroStepBudget));
}
