// The OpenAPI 3 document of `imbgen serve`, with every generator's options and defaults taken
// from its config struct (generator_options_schema), so the document cannot drift from the code.
#include "imbgen/core/version.h"
#include "imbgen/generators/generator.h"
#include "imbgen/server/server.h"

namespace imbgen {

using nlohmann::json;

namespace {

json error_response(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
}

json json_response(const std::string& description, const std::string& schema_ref) {
  return {{"description", description},
          {"content", {{"application/json", {{"schema", {{"$ref", schema_ref}}}}}}}};
}

}  // namespace

json HttpServer::openapi() {
  json generators = json::object();
  for (const auto& name : generator_names()) {
    json s = generator_options_schema(name);
    s["description"] = generator_description(name);
    generators[name] = std::move(s);
  }
  const json id_param = {{"name", "id"},
                         {"in", "path"},
                         {"required", true},
                         {"description", "the model file's name without .imbgen"},
                         {"schema", {{"type", "string"}, {"pattern", "^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$"}}}};
  const json common_errors = {{"401", error_response("missing or wrong bearer token (--token-file)")},
                              {"405", error_response("method not allowed on this path")},
                              {"503", error_response("busy (see Retry-After) or shutting down")}};
  auto with_errors = [&](json responses) {
    for (const auto& [k, v] : common_errors.items()) responses[k] = v;
    return responses;
  };
  json doc = {
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "imbgen synthetic rows"},
        {"version", version()},
        {"description",
         "Synthetic rows on demand from imbgen model files (imbgen fit, imbgen.fit in "
         "Python). The same model, counts and seed give the same rows as `imbgen sample`."}}},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error",
           {{"type", "object"},
            {"required", {"error"}},
            {"properties",
             {{"error",
               {{"type", "object"},
                {"properties",
                 {{"status", {{"type", "integer"}}}, {"message", {{"type", "string"}}}}}}}}}}},
          {"ModelSummary",
           {{"type", "object"},
            {"properties",
             {{"id", {{"type", "string"}}},
              {"available", {{"type", "boolean"}}},
              {"error", {{"type", "string"}, {"description", "why the file did not load"}}},
              {"generator", {{"type", "string"}, {"enum", generator_names()}}},
              {"classes",
               {{"type", "object"},
                {"additionalProperties", {{"type", "integer"}}},
                {"description", "training rows per class label"}}},
              {"fitted_classes", {{"type", "array"}, {"items", {{"type", "string"}}}}},
              {"columns", {{"type", "array"}, {"items", {{"type", "string"}}}}},
              {"created", {{"type", "string"}, {"format", "date-time"}}},
              {"imbgen_version", {{"type", "string"}}},
              {"data_fingerprint", {{"type", "string"}}}}}}},
          {"ModelCard",
           {{"type", "object"},
            {"description",
             "generator and its full config (see GeneratorOptions), seed, created, fit_seconds, "
             "data {fingerprint, rows}, target, classes, fitted_classes, schema {columns "
             "[{name, kind, categories | integer}], target}, fidelity (null or a summary)"},
            {"properties",
             {{"id", {{"type", "string"}}},
              {"generator", {{"type", "string"}}},
              {"config", {{"type", "object"}}},
              {"seed", {{"type", "integer"}, {"nullable", true}}},
              {"schema", {{"type", "object"}}},
              {"fidelity", {{"type", "object"}, {"nullable", true}}}}}}},
          {"SampleRequest",
           {{"type", "object"},
            {"required", {"counts"}},
            {"additionalProperties", false},
            {"properties",
             {{"counts",
               {{"type", "object"},
                {"description", "rows per class label (a fitted class); in all at most --max-rows"},
                {"additionalProperties", {{"type", "integer"}, {"minimum", 0}}}}},
              {"seed",
               {{"type", "integer"},
                {"minimum", 0},
                {"description", "default: a fresh seed, returned in X-Imbgen-Seed"}}},
              {"format", {{"type", "string"}, {"enum", {"csv", "ndjson"}}, {"default", "csv"}}}}}}},
          {"GeneratorOptions",
           {{"description",
             "the options of each generator (a model card's config), with their defaults"},
            {"type", "object"},
            {"properties", generators}}}}}}},
      {"security", json::array({{{"bearer", json::array()}}})},
      {"paths",
       {{"/healthz",
         {{"get",
           {{"summary", "liveness (no token needed)"},
            {"security", json::array()},
            {"responses", {{"200", {{"description", "alive"}}}}}}}}},
        {"/readyz",
         {{"get",
           {{"summary", "readiness: the model folder is loaded"},
            {"responses", with_errors({{"200", {{"description", "ready"}}}})}}}}},
        {"/openapi.json",
         {{"get",
           {{"summary", "this document"},
            {"responses", with_errors({{"200", {{"description", "OpenAPI 3 document"}}}})}}}}},
        {"/metrics",
         {{"get",
           {{"summary", "Prometheus metrics: requests by endpoint and status, rows generated, "
                        "request latency histogram, models loaded"},
            {"responses",
             with_errors({{"200",
                           {{"description", "Prometheus text format 0.0.4"},
                            {"content", {{"text/plain", {{"schema", {{"type", "string"}}}}}}}}}})}}}}},
        {"/v1/models",
         {{"get",
           {{"summary", "the model files of the folder (unloadable ones with the reason)"},
            {"responses",
             with_errors({{"200",
                           {{"description", "models"},
                            {"content",
                             {{"application/json",
                               {{"schema",
                                 {{"type", "object"},
                                  {"properties",
                                   {{"models",
                                     {{"type", "array"},
                                      {"items", {{"$ref", "#/components/schemas/ModelSummary"}}}}}}}}}}}}}}}})}}}}},
        {"/v1/models/{id}",
         {{"get",
           {{"summary", "a model's card"},
            {"parameters", {id_param}},
            {"responses", with_errors({{"200", json_response("the model card", "#/components/schemas/ModelCard")},
                                       {"404", error_response("no such model")}})}}}}},
        {"/v1/models/{id}/sample",
         {{"post",
           {{"summary", "synthetic rows in the model's original schema, with the class in the "
                        "target column; streamed (chunked) for large requests"},
            {"parameters", {id_param}},
            {"requestBody",
             {{"required", true},
              {"content",
               {{"application/json",
                 {{"schema", {{"$ref", "#/components/schemas/SampleRequest"}}}}}}}}},
            {"responses",
             with_errors(
                 {{"200",
                   {{"description", "the rows; X-Imbgen-Seed gives the seed used"},
                    {"headers", {{"X-Imbgen-Seed", {{"schema", {{"type", "string"}}}}}}},
                    {"content",
                     {{"text/csv", {{"schema", {{"type", "string"}}}}},
                      {"application/x-ndjson", {{"schema", {{"type", "string"}}}}}}}}},
                  {"400", error_response("malformed JSON (the message gives the byte)")},
                  {"404", error_response("no such model")},
                  {"413", error_response("more rows than --max-rows, or a body over --max-body")},
                  {"422", error_response("unknown class, field or format; a count that is not a "
                                         "whole number >= 0")}})}}}}}}}};
  return doc;
}

}  // namespace imbgen
