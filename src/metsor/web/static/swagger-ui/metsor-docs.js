// metsor: start Swagger UI on the application's own OpenAPI document. The validator badge is
// off (it would call an outside service); every asset comes from /static (sites may be offline).
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
