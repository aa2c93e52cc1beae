// Starts Swagger UI on the API documentation page (/api/docs).
//
// A file rather than an inline script: the page's Content-Security-Policy allows scripts from the
// app's own origin only. The OpenAPI document's URL comes from the page (data-openapi-url), so the
// script holds no path of its own. validatorUrl is null: the online validator would call out to a
// public server, which a hospital network may not reach and which must not see the API's document.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
