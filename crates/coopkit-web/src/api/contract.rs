//! The answers every operation may give besides its own, added to the
//! OpenAPI document from what each operation takes, so that the document
//! lists every status the server can send (an outside tester holds it to
//! that) without each handler repeating them.
//!
//! Each follows from a layer the operation passes through, not from its
//! handler: the bearer check answers 401 and the co-op check 403; a path
//! part of the wrong type is a 400 and an id that names nothing a 404; a
//! query that cannot be read is a 400; a body that is not JSON, too large,
//! of another type or of the wrong shape is a 400, 413, 415 or 422; a
//! query or body that is well formed but names what the co-op does not
//! have (a class, a currency) is a 409; and the rate limits answer 429
//! anywhere.

use utoipa::openapi::path::{Operation, ParameterIn, Paths};
use utoipa::openapi::response::{Response, ResponseBuilder};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr};

/// The common answers, by status, with what each means.
const ANSWERS: [(&str, &str); 9] = [
    ("400", "The path, query or body cannot be read as this operation takes it"),
    ("401", "No bearer token, or one that is unknown or revoked"),
    ("403", "The caller may not do this in this co-op"),
    ("404", "Nothing by that name or id"),
    (
        "409",
        "Well formed, but refused by the co-op's state: a field names what it does not have (each is named in `errors`)",
    ),
    ("413", "The body is larger than the server accepts"),
    ("415", "The body is not `application/json`"),
    ("422", "A field is missing or wrong: each is named in `errors`"),
    ("429", "Too many requests: try again after the `retry-after` seconds"),
];

fn problem(description: &str) -> Response {
    let content = ContentBuilder::new()
        .schema(Some(Ref::from_schema_name("Problem")))
        .build();
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", content)
        .build()
}

/// The statuses `operation` may answer by what it takes.
fn statuses(operation: &Operation) -> Vec<&'static str> {
    let mut statuses = vec!["429"];
    let takes = |place: ParameterIn| {
        operation
            .parameters
            .iter()
            .flatten()
            .any(|p| p.parameter_in == place)
    };
    if operation.security.as_ref().is_some_and(|s| !s.is_empty()) {
        statuses.extend(["401", "403"]);
    }
    if takes(ParameterIn::Path) {
        statuses.extend(["400", "404"]);
    }
    if takes(ParameterIn::Query) {
        statuses.extend(["400", "409", "422"]);
    }
    if operation.request_body.is_some() {
        statuses.extend(["400", "409", "413", "415", "422"]);
    }
    statuses
}

/// Adds to each operation the common answers it may give and does not
/// already describe.
pub fn add_common_answers(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for (status, description) in ANSWERS {
        components
            .responses
            .insert(format!("Status{status}"), RefOr::T(problem(description)));
    }
    for operation in operations_mut(&mut doc.paths) {
        for status in statuses(operation) {
            operation
                .responses
                .responses
                .entry(status.to_owned())
                .or_insert_with(|| {
                    RefOr::Ref(Ref::new(format!("#/components/responses/Status{status}")))
                });
        }
    }
}

/// Every operation of the document, whatever its method.
pub(crate) fn operations_mut(paths: &mut Paths) -> impl Iterator<Item = &mut Operation> {
    paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}
