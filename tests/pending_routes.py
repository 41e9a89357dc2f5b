"""Routes of protocol §2.0 that other branches are still adding, and the
client methods that need them.

The permission test and the published-client run read this one list: a
route here must not be served yet, every other route of the protocol must
be, and exactly the methods here may fail. When a branch that adds routes
is merged, delete its entry; once the dictionary is empty, every test asks
for all 63 routes and all 75 methods. (This file goes away then.)
"""

PENDING: dict[str, dict[str, list[str]]] = {
    "retraining": {
        "routes": [
            "POST /retraining-report",
            "GET /retraining-report",
            "GET /suggestions/{model_id}/{model_version}",
            "PUT /model/suggestion-type",
            "PATCH /model-version-suggestion-id",
            "PATCH /model-version-time-range",
        ],
        "methods": [
            "compute_retraining_report",
            "get_retraining_report",
            "get_suggestions_info",
            "show_suggestions",
            "set_model_suggestion_type",
            "update_model_version_by_suggestion_id",
            "update_model_version_from_time_range",
        ],
    },
}


def pending_routes() -> set[str]:
    return {route for entry in PENDING.values() for route in entry["routes"]}


def pending_methods() -> set[str]:
    return {method for entry in PENDING.values() for method in entry["methods"]}
