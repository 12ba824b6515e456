/** A rule that `packages/<name>` imports none of ours but itself and `allowed`. */
function importsOnly(name, pkg, allowed, comment) {
  return {
    name,
    ...(comment ? { comment } : {}),
    severity: "error",
    from: { path: `^packages/${pkg}/` },
    to: { path: "^(apps|packages)/", pathNot: `^packages/(${[pkg, ...allowed].join("|")})/` },
  };
}

/**
 * The layering, enforced (`npm run lint`): apps -> core -> db, pki, config. A new edge that
 * breaks it fails the lint with the rule's name and the two files.
 * @type {import('dependency-cruiser').IConfiguration}
 */
module.exports = {
  forbidden: [
    {
      name: "no-app-to-app",
      comment:
        "An app is a process: it may use packages, never another app. What two processes share (the job processors, the runtime) lives in core; a test that needs another process starts it.",
      severity: "error",
      from: { path: "^apps/([^/]+)/" },
      to: { path: "^apps/", pathNot: "^apps/$1/" },
    },
    {
      name: "no-package-to-app",
      comment: "Libraries never reach up into a process.",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "process-code-only-in-apps",
      comment:
        "@certq/process (exit codes, crash guards, signals) is for entry points: no library may reach for the process.",
      severity: "error",
      from: { path: "^packages/", pathNot: "^packages/process/" },
      to: { path: "^packages/process/" },
    },
    importsOnly("pki-is-pure", "pki", [], "pki imports nothing of ours (and does no I/O)."),
    importsOnly("config-imports-nothing-of-ours", "config", []),
    importsOnly(
      "db-imports-only-config",
      "db",
      ["config"],
      "db's migrate entry point reads DATABASE_URL through config; nothing else of ours.",
    ),
    {
      name: "no-circular",
      comment:
        "Import cycles that exist at run time; a type-only import back (context.ts naming the lookups' types) is erased by tsc.",
      severity: "error",
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ["type-only"] } },
    },
    {
      name: "declared-dependencies-only",
      comment:
        "Every package a workspace's code imports is in its own package.json (hoisting would hide it). Test tooling (vitest, ajv, ...) is the root's.",
      severity: "error",
      from: {
        path: "^(apps|packages)/[^/]+/src/",
        pathNot: ["\\.test\\.ts$", "^packages/[^/]+/src/testing(/|\\.ts$)"],
      },
      to: { dependencyTypes: ["npm-no-pkg", "npm-unknown"] },
    },
    {
      name: "no-unresolvable",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: "specify",
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      exportsFields: ["exports"],
      conditionNames: ["import", "require", "node", "default", "types"],
      mainFields: ["module", "main", "types", "typings"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
