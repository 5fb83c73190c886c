//! Declaring a graph and checking its shape once, in [`GraphBuilder::build`], so that a run
//! never meets a missing node or edge.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::checkpoint::Checkpoints;
use super::node::{FnNode, Node, NodeContext, NodeError, Policy};
use super::parallel::Parallel;
use super::run::{Edge, Graph, Router, Step, Target};
use super::{END, GraphError};

/// The default [`GraphBuilder::max_steps`].
const DEFAULT_MAX_STEPS: u32 = 100;

struct Conditional<S> {
    from: String,
    router: Router<S>,
    routes: Vec<(String, String)>,
}

/// Declares nodes, edges and options; [`build`](Self::build) checks them and returns the
/// [`Graph`]. Every method takes and returns the builder, so a graph reads as one chain.
pub struct GraphBuilder<S, E = ()> {
    nodes: Vec<(String, Arc<dyn Node<S, E>>)>,
    edges: Vec<(String, String)>,
    conditionals: Vec<Conditional<S>>,
    policies: Vec<(String, Policy)>,
    default_policy: Policy,
    entry: Option<String>,
    max_steps: u32,
    checkpoints: Option<Checkpoints>,
    /// The first mistake found while declaring (a refused branch graph), which
    /// [`build`](Self::build) reports.
    invalid: Option<GraphError>,
}

impl<S, E> Default for GraphBuilder<S, E> {
    fn default() -> Self {
        Self {
            nodes: Vec::new(),
            edges: Vec::new(),
            conditionals: Vec::new(),
            policies: Vec::new(),
            default_policy: Policy::default(),
            entry: None,
            max_steps: DEFAULT_MAX_STEPS,
            checkpoints: None,
            invalid: None,
        }
    }
}

impl<S, E> GraphBuilder<S, E>
where
    S: Send + Sync + 'static,
    E: Send + 'static,
{
    /// An empty graph: no nodes, a budget of 100 steps, no checkpoints.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a node.
    pub fn node(mut self, name: impl Into<String>, node: impl Node<S, E> + 'static) -> Self {
        self.nodes.push((name.into(), Arc::new(node)));
        self
    }

    /// Adds a node made of an async closure taking the state and the context.
    pub fn node_fn<F, Fut>(self, name: impl Into<String>, node: F) -> Self
    where
        F: Fn(S, NodeContext<E>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<S, NodeError>> + Send + 'static,
    {
        self.node(name, FnNode(node))
    }

    /// Adds a parallel node `name` (fan-out, fan-in): when it runs, it calls `split` on the
    /// state, runs `branch` once per item, concurrently, and calls `merge` on the state with
    /// the branches' final states in the items' order (no branch runs for no items; `merge`
    /// then gets an empty `Vec`). The first branch that fails cancels the others and fails
    /// the node; see the `parallel` module. Like any node it needs its one outgoing edge.
    /// [`build`](Self::build) refuses a `branch` that keeps checkpoints.
    pub fn parallel<T, F, M>(mut self, name: impl Into<String>, branch: Graph<T, E>, split: F, merge: M) -> Self
    where
        T: Serialize + DeserializeOwned + Clone + Send + Sync + 'static,
        F: Fn(&S) -> Vec<T> + Send + Sync + 'static,
        M: Fn(&mut S, Vec<T>) + Send + Sync + 'static,
    {
        let name = name.into();
        match Parallel::new(&name, branch, Box::new(split), Box::new(merge)) {
            Ok(node) => self.node(name, node),
            Err(error) => {
                self.invalid.get_or_insert(error);
                self
            }
        }
    }

    /// Runs `name` under `policy` instead of the default one.
    pub fn policy(mut self, name: impl Into<String>, policy: Policy) -> Self {
        self.policies.push((name.into(), policy));
        self
    }

    /// The policy of every node without its own (default: [`Policy::default`]).
    pub fn default_policy(mut self, policy: Policy) -> Self {
        self.default_policy = policy;
        self
    }

    /// After `from`, run `to` (a node or [`END`]).
    pub fn edge(mut self, from: impl Into<String>, to: impl Into<String>) -> Self {
        self.edges.push((from.into(), to.into()));
        self
    }

    /// After `from`, call `router` on the state and go where `routes` maps the label it
    /// returns (a node or [`END`]). A label `routes` does not map fails the run.
    pub fn conditional_edge<F, L, I, A, B>(mut self, from: impl Into<String>, router: F, routes: I) -> Self
    where
        F: Fn(&S) -> L + Send + Sync + 'static,
        L: Into<String>,
        I: IntoIterator<Item = (A, B)>,
        A: Into<String>,
        B: Into<String>,
    {
        self.conditionals.push(Conditional {
            from: from.into(),
            router: Box::new(move |state| router(state).into()),
            routes: routes
                .into_iter()
                .map(|(label, to)| (label.into(), to.into()))
                .collect(),
        });
        self
    }

    /// The node a run starts with.
    pub fn entry(mut self, name: impl Into<String>) -> Self {
        self.entry = Some(name.into());
        self
    }

    /// The most nodes one run executes (counting every execution of a node in a loop, and
    /// across resumes); a run that needs more fails. Default: 100.
    pub fn max_steps(mut self, max_steps: u32) -> Self {
        self.max_steps = max_steps;
        self
    }

    /// Saves a checkpoint after every node, which makes runs resumable.
    pub fn checkpoints(mut self, checkpoints: Checkpoints) -> Self {
        self.checkpoints = Some(checkpoints);
        self
    }

    /// Checks the graph: an entry, unique and unreserved names, edges and routes between
    /// known nodes, exactly one outgoing edge per node, every node reachable from the
    /// entry, a budget of at least one step, branch graphs of parallel nodes that keep no
    /// checkpoints.
    pub fn build(self) -> Result<Graph<S, E>, GraphError> {
        if let Some(invalid) = self.invalid {
            return Err(invalid);
        }
        let entry = self.entry.ok_or(GraphError::NoEntry)?;
        if self.max_steps == 0 {
            return Err(GraphError::ZeroStepBudget);
        }
        let mut names: HashMap<String, Arc<str>> = HashMap::new();
        for (name, _) in &self.nodes {
            if name.is_empty() || name == END {
                return Err(GraphError::ReservedName(name.clone()));
            }
            if names.insert(name.clone(), Arc::from(name.as_str())).is_some() {
                return Err(GraphError::DuplicateNode(name.clone()));
            }
        }
        let known = |name: &str, referenced_by: &dyn Fn() -> String| {
            names.get(name).cloned().ok_or_else(|| GraphError::UnknownNode {
                name: name.to_owned(),
                referenced_by: referenced_by(),
            })
        };
        let target = |name: &str, referenced_by: &dyn Fn() -> String| {
            if name == END {
                Ok(Target::End)
            } else {
                known(name, referenced_by).map(Target::Node)
            }
        };

        let mut edges: HashMap<Arc<str>, Edge<S>> = HashMap::new();
        for (from, to) in &self.edges {
            let referenced_by = || format!("the edge `{from}` → `{to}`");
            let from = known(from, &referenced_by)?;
            let to = target(to, &referenced_by)?;
            match edges.entry(from) {
                Entry::Vacant(vacant) => {
                    vacant.insert(Edge::Static(to));
                }
                Entry::Occupied(occupied) => return Err(two_edges(occupied.key(), occupied.get(), false)),
            }
        }
        for conditional in self.conditionals {
            let from = known(&conditional.from, &|| {
                format!("the conditional edge from `{}`", conditional.from)
            })?;
            if conditional.routes.is_empty() {
                return Err(GraphError::BadRoutes {
                    node: from.to_string(),
                    label: String::new(),
                });
            }
            let mut routes = HashMap::new();
            for (label, to) in conditional.routes {
                let to = target(&to, &|| format!("the route `{label}` from `{from}`"))?;
                if routes.insert(label.clone(), to).is_some() {
                    return Err(GraphError::BadRoutes {
                        node: from.to_string(),
                        label,
                    });
                }
            }
            match edges.entry(from) {
                Entry::Vacant(vacant) => {
                    vacant.insert(Edge::Conditional {
                        router: conditional.router,
                        routes,
                    });
                }
                Entry::Occupied(occupied) => return Err(two_edges(occupied.key(), occupied.get(), true)),
            }
        }

        let entry = known(&entry, &|| "the entry".to_owned())?;
        let mut policies = HashMap::new();
        for (name, policy) in &self.policies {
            policies.insert(known(name, &|| "a policy".to_owned())?, *policy);
        }

        let mut steps = HashMap::new();
        for (name, node) in self.nodes {
            let name = known(&name, &String::new)?;
            let edge = edges
                .remove(&name)
                .ok_or_else(|| GraphError::NoOutgoingEdge(name.to_string()))?;
            let policy = policies.get(&name).copied().unwrap_or(self.default_policy);
            steps.insert(
                Arc::clone(&name),
                Step {
                    name,
                    node,
                    policy,
                    edge,
                },
            );
        }
        let unreachable = unreachable(&steps, &entry);
        if !unreachable.is_empty() {
            return Err(GraphError::Unreachable(unreachable));
        }
        Ok(Graph {
            steps,
            entry,
            max_steps: self.max_steps,
            checkpoints: self.checkpoints,
        })
    }
}

fn two_edges<S>(node: &str, existing: &Edge<S>, adding_conditional: bool) -> GraphError {
    match (existing, adding_conditional) {
        (Edge::Static(_), false) | (Edge::Conditional { .. }, true) => GraphError::SeveralEdges(node.to_owned()),
        _ => GraphError::StaticAndConditional(node.to_owned()),
    }
}

/// The nodes no path from `entry` reaches, sorted.
fn unreachable<S, E>(steps: &HashMap<Arc<str>, Step<S, E>>, entry: &Arc<str>) -> Vec<String> {
    let mut seen: HashSet<&str> = HashSet::from([&**entry]);
    let mut queue = VecDeque::from([&**entry]);
    while let Some(name) = queue.pop_front() {
        let Some(step) = steps.get(name) else { continue };
        let targets: Vec<&Target> = match &step.edge {
            Edge::Static(target) => vec![target],
            Edge::Conditional { routes, .. } => routes.values().collect(),
        };
        for target in targets {
            if let Target::Node(next) = target
                && seen.insert(next)
            {
                queue.push_back(next);
            }
        }
    }
    let mut unreachable: Vec<String> = steps
        .keys()
        .filter(|name| !seen.contains(&***name))
        .map(|name| name.to_string())
        .collect();
    unreachable.sort();
    unreachable
}
