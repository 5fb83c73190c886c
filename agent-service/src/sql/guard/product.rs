//! The rule against multiplying the data: one FROM may multiply at most [`MAX_FACTORS`]
//! copies of it that no join condition ties together.
//!
//! A cross join, a comma, or a join whose condition does not tie its two sides together
//! (`ON 1 = 1`, `ON a.n > 5`, `ON a.n < b.n`) pairs every row with every row: a table of
//! a thousand rows times itself is a million rows, three times a billion. Polars computes
//! a join as one step, which a deadline cannot interrupt (see `run.rs`). Only an equality
//! between what one relation holds and what another holds (`a.region = b.region`, in ON
//! or in WHERE, where Polars turns it into a join itself), USING or NATURAL makes Polars
//! match rows by key instead.
//!
//! The relations of a FROM are grouped by those equalities. A group counts the copies of
//! the data its largest member counts: a table one, a subquery or CTE what its own FROM
//! multiplies, one that yields a single row (an aggregate without GROUP BY, a SELECT
//! without FROM, one-row VALUES) none. The groups' counts add up, as exponents of the
//! table's size do in a product. This looks at the shape of the query, not at its data:
//! a key of few distinct values, or one that is a constant in disguise (`a.n * 0`),
//! still multiplies, and only the deadline and the concurrency limit bound it.

use std::collections::HashMap;
use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, Expr, Function, GroupByExpr, JoinConstraint, JoinOperator, ObjectNamePart, Query, Select,
    SelectItem, SetExpr, TableFactor, TableWithJoins, Visit, Visitor, visit_expressions,
};

use super::{SqlError, refused};

/// Most copies of the data one FROM may multiply: two, as in a self cross join (a million
/// rows from a thousand), which the deadline stops between the parts of a UNION.
pub(super) const MAX_FACTORS: usize = 2;

/// The copies of the data each CTE in scope multiplies, by name.
pub(super) type Factors = HashMap<String, usize>;

/// Aggregate functions of Polars SQL (`polars-sql` `functions.rs`): without GROUP BY or
/// OVER, each gives one row.
const AGGREGATES: [&str; 26] = [
    "array_agg",
    "avg",
    "corr",
    "count",
    "covar",
    "covar_pop",
    "covar_samp",
    "first",
    "group_concat",
    "last",
    "listagg",
    "max",
    "median",
    "min",
    "quantile_cont",
    "quantile_disc",
    "stddev",
    "stddev_samp",
    "stdev",
    "stdev_samp",
    "string_agg",
    "sum",
    "total",
    "var",
    "var_samp",
    "variance",
];

/// Refuses `select` when its FROM multiplies more than [`MAX_FACTORS`] copies of the data.
pub(super) fn check(select: &Select, ctes: &Factors) -> ControlFlow<SqlError> {
    let product = Product::of(select, ctes);
    let total = product.factors();
    if total <= MAX_FACTORS {
        return ControlFlow::Continue(());
    }
    let named: Vec<String> = product
        .groups()
        .into_iter()
        .filter(|&(_, factors)| factors > 0)
        .map(|(relation, factors)| {
            let name = match &product.relations[relation].name {
                Some(name) => format!("`{name}`"),
                None => "a subquery".to_owned(),
            };
            match factors {
                1 => name,
                n => format!("{name} (itself {n} copies multiplied)"),
            }
        })
        .collect();
    ControlFlow::Break(refused(format!(
        "the FROM clause multiplies {total} copies of the data ({}) with no join condition between them; \
         at most {MAX_FACTORS} can be multiplied: join the others on an equality of their columns, such as \
         `a.region = b.region` (a cross join, a comma, or ON a condition that is not such an equality \
         pairs every row with every row)",
        named.join(", ")
    )))
}

/// The copies of the data `query` multiplies, the CTEs of `ctes` in scope.
pub(super) fn of_query(query: &Query, ctes: &Factors) -> usize {
    let Some(with) = &query.with else {
        return of_body(&query.body, ctes);
    };
    let mut scope = ctes.clone();
    for cte in &with.cte_tables {
        let factors = of_query(&cte.query, &scope);
        scope.insert(cte.alias.name.value.clone(), factors);
    }
    of_body(&query.body, &scope)
}

fn of_body(body: &SetExpr, ctes: &Factors) -> usize {
    match body {
        SetExpr::Select(select) if one_row(select) => 0,
        // Rows that are not one row count as a copy at least, even from no FROM at all
        // (`SELECT unnest([...])`).
        SetExpr::Select(select) => Product::of(select, ctes).factors().max(1),
        SetExpr::Query(query) => of_query(query, ctes),
        // A UNION stacks its parts: as large as its largest part, not their product.
        SetExpr::SetOperation { left, right, .. } => of_body(left, ctes).max(of_body(right, ctes)),
        SetExpr::Values(values) => usize::from(values.rows.len() > 1),
        _ => 1,
    }
}

/// One relation of a FROM.
struct Relation {
    /// What its columns are qualified with: its alias, or else its table's name.
    name: Option<String>,
    /// The copies of the data it multiplies.
    factors: usize,
}

/// The relations of one FROM and which of them join conditions tie together.
struct Product<'a> {
    ctes: &'a Factors,
    relations: Vec<Relation>,
    /// A union-find forest over `relations`: the parent of each.
    parents: Vec<usize>,
}

impl<'a> Product<'a> {
    fn of(select: &Select, ctes: &'a Factors) -> Self {
        let mut product = Self {
            ctes,
            relations: Vec::new(),
            parents: Vec::new(),
        };
        for item in &select.from {
            product.add_joins(item);
        }
        if let Some(condition) = &select.selection {
            product.tie_equalities(condition);
        }
        product
    }

    /// The copies of the data the FROM multiplies: its groups' counts added up.
    fn factors(&self) -> usize {
        self.groups().iter().map(|&(_, factors)| factors).sum()
    }

    /// Each group of tied relations, as its largest member and the copies it counts.
    fn groups(&self) -> Vec<(usize, usize)> {
        let mut largest: Vec<Option<usize>> = vec![None; self.relations.len()];
        for relation in 0..self.relations.len() {
            let slot = &mut largest[self.root(relation)];
            if slot.is_none_or(|member| self.relations[member].factors < self.relations[relation].factors) {
                *slot = Some(relation);
            }
        }
        largest
            .into_iter()
            .flatten()
            .map(|member| (member, self.relations[member].factors))
            .collect()
    }

    /// Adds the relations of `item` and ties those its joins' constraints tie; returns
    /// the first of them.
    fn add_joins(&mut self, item: &TableWithJoins) -> usize {
        let first = self.add(&item.relation);
        for join in &item.joins {
            let right = self.add(&join.relation);
            match constraint(&join.join_operator) {
                Some(JoinConstraint::On(condition)) => self.tie_equalities(condition),
                // Polars matches the named (or common) columns of the right side with the
                // columns of those names in what is joined so far: the first relation's.
                Some(JoinConstraint::Using(_) | JoinConstraint::Natural) => self.tie(first, right),
                Some(JoinConstraint::None) | None => {}
            }
        }
        first
    }

    /// Adds `factor` (a parenthesised join adds each of its relations); returns the first
    /// relation added.
    fn add(&mut self, factor: &TableFactor) -> usize {
        if let TableFactor::NestedJoin { table_with_joins, .. } = factor {
            return self.add_joins(table_with_joins);
        }
        let (name, factors) = match factor {
            TableFactor::Table { name, alias, .. } => {
                let table = match name.0.last() {
                    Some(ObjectNamePart::Identifier(ident)) => Some(ident.value.clone()),
                    _ => None,
                };
                let factors = table
                    .as_ref()
                    .and_then(|table| self.ctes.get(table).copied())
                    .unwrap_or(1);
                (alias.as_ref().map(|alias| alias.name.value.clone()).or(table), factors)
            }
            TableFactor::Derived { subquery, alias, .. } => (
                alias.as_ref().map(|alias| alias.name.value.clone()),
                of_query(subquery, self.ctes),
            ),
            _ => (None, 1),
        };
        self.relations.push(Relation { name, factors });
        self.parents.push(self.parents.len());
        self.parents.len() - 1
    }

    /// Ties the relations that each top-level equality of `condition` (its ANDed parts)
    /// equates.
    fn tie_equalities(&mut self, condition: &Expr) {
        match condition {
            Expr::Nested(inner) => self.tie_equalities(inner),
            Expr::BinaryOp {
                left,
                op: BinaryOperator::And,
                right,
            } => {
                self.tie_equalities(left);
                self.tie_equalities(right);
            }
            Expr::BinaryOp {
                left,
                op: BinaryOperator::Eq,
                right,
            } => {
                if let (Some(left), Some(right)) = (self.read_by(left), self.read_by(right)) {
                    self.tie(left, right);
                }
            }
            _ => {}
        }
    }

    /// The one relation whose columns `side` reads, when it reads columns of exactly one,
    /// each qualified with that relation's name (an unqualified column could be anyone's).
    fn read_by(&self, side: &Expr) -> Option<usize> {
        let mut read = None;
        let walked = visit_expressions(side, |expr| {
            let relation = match expr {
                Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                    [.., qualifier, _] => self.named(&qualifier.value),
                    _ => None,
                },
                Expr::Identifier(_) | Expr::Subquery(_) | Expr::InSubquery { .. } | Expr::Exists { .. } => None,
                _ => return ControlFlow::Continue(()),
            };
            match relation {
                Some(relation) if read.is_none_or(|seen| seen == relation) => {
                    read = Some(relation);
                    ControlFlow::Continue(())
                }
                _ => ControlFlow::Break(()),
            }
        });
        if walked.is_break() { None } else { read }
    }

    /// The relation named `name`, when exactly one is (Polars' names are case-sensitive).
    fn named(&self, name: &str) -> Option<usize> {
        let mut named =
            (0..self.relations.len()).filter(|&relation| self.relations[relation].name.as_deref() == Some(name));
        match (named.next(), named.next()) {
            (Some(relation), None) => Some(relation),
            _ => None,
        }
    }

    fn root(&self, mut relation: usize) -> usize {
        while self.parents[relation] != relation {
            relation = self.parents[relation];
        }
        relation
    }

    fn tie(&mut self, left: usize, right: usize) {
        let (left, right) = (self.root(left), self.root(right));
        self.parents[right] = left;
    }
}

/// The constraint of a join; `None` for the kinds without one (the guard or Polars
/// refuses those).
fn constraint(operator: &JoinOperator) -> Option<&JoinConstraint> {
    match operator {
        JoinOperator::Join(constraint)
        | JoinOperator::Inner(constraint)
        | JoinOperator::Left(constraint)
        | JoinOperator::LeftOuter(constraint)
        | JoinOperator::Right(constraint)
        | JoinOperator::RightOuter(constraint)
        | JoinOperator::FullOuter(constraint)
        | JoinOperator::CrossJoin(constraint)
        | JoinOperator::Semi(constraint)
        | JoinOperator::LeftSemi(constraint)
        | JoinOperator::RightSemi(constraint)
        | JoinOperator::Anti(constraint)
        | JoinOperator::LeftAnti(constraint)
        | JoinOperator::RightAnti(constraint)
        | JoinOperator::StraightJoin(constraint)
        | JoinOperator::AsOf { constraint, .. } => Some(constraint),
        _ => None,
    }
}

/// Whether `select` yields at most one row: it has no FROM, or it aggregates without
/// GROUP BY (every column it reads is inside an aggregate, not a window), and nothing in
/// it unnests a list into rows.
fn one_row(select: &Select) -> bool {
    let grouped = match &select.group_by {
        GroupByExpr::All(_) => true,
        GroupByExpr::Expressions(keys, _) => !keys.is_empty(),
    };
    let mut reduction = Reduction::default();
    let reduced = select.projection.iter().all(|item| match item {
        SelectItem::UnnamedExpr(expr) | SelectItem::ExprWithAlias { expr, .. } => {
            expr.visit(&mut reduction).is_continue()
        }
        _ => false,
    });
    let single = select.from.is_empty() || (!grouped && reduction.aggregates > 0);
    !select.projection.is_empty() && reduced && single
}

/// Walks the projection of a SELECT: breaks on a column read outside an aggregate and on
/// `unnest`, and counts the aggregates.
#[derive(Default)]
struct Reduction {
    /// Aggregates the walk is inside of.
    depth: usize,
    /// Aggregates seen.
    aggregates: usize,
}

impl Visitor for Reduction {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        match expr {
            Expr::Function(function) if named(function, &["unnest"]) => return ControlFlow::Break(()),
            Expr::Function(function) if aggregate(function) => {
                self.depth += 1;
                self.aggregates += 1;
            }
            Expr::Identifier(_) | Expr::CompoundIdentifier(_) if self.depth == 0 => return ControlFlow::Break(()),
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
        if let Expr::Function(function) = expr
            && aggregate(function)
        {
            self.depth -= 1;
        }
        ControlFlow::Continue(())
    }
}

fn aggregate(function: &Function) -> bool {
    function.over.is_none() && named(function, &AGGREGATES)
}

/// Whether `function` is one of `names`, as Polars resolves it: by the first part of its
/// name, whatever its case.
fn named(function: &Function, names: &[&str]) -> bool {
    match function.name.0.first() {
        Some(ObjectNamePart::Identifier(ident)) => names.iter().any(|name| ident.value.eq_ignore_ascii_case(name)),
        _ => false,
    }
}
