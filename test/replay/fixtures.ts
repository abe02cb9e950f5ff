// The recorded histories (test/replay/histories/<name>.json) and the workflow each is of.
export const FIXTURE_WORKFLOWS = {
  manage: 'manageNode',
  'provide-erase-metadata': 'cleanNode',
  'provide-no-erase': 'cleanNode',
  'deploy-iscsi': 'deployNode',
  'deploy-direct': 'deployNode',
  'deploy-failed-checksum': 'deployNode',
  'power-off': 'changePowerState',
  'power-on': 'changePowerState',
  'power-soft-off': 'changePowerState',
  'boot-device': 'setBootDevice',
  'undeploy-erase-metadata': 'teardownNode',
  adopt: 'adoptNode',
  inspect: 'inspectNode',
  rescue: 'rescueNode',
  unrescue: 'unrescueNode',
  'inject-nmi': 'injectNmi',
  'inject-nmi-refused': 'injectNmi',
  'power-sync': 'syncPowerStates',
} as const;

export type FixtureName = keyof typeof FIXTURE_WORKFLOWS;
export const FIXTURES = Object.keys(FIXTURE_WORKFLOWS) as FixtureName[];

/**
 * What each earlier release's folder (histories/<release>/) holds: the fixtures that existed
 * when it was recorded. A fixture added later has no history from that release.
 */
export const RELEASE_FIXTURES: Record<string, readonly FixtureName[]> = {
  'before-steps': [
    'manage',
    'provide-erase-metadata',
    'provide-no-erase',
    'deploy-iscsi',
    'deploy-direct',
    'deploy-failed-checksum',
    'power-off',
    'power-on',
    'power-soft-off',
    'boot-device',
    'undeploy-erase-metadata',
  ],
  // Deploys before their bookkeeping became local activities (patched('deploy-local-bookkeeping')).
  'before-local-bookkeeping': ['deploy-iscsi', 'deploy-direct', 'deploy-failed-checksum'],
  // The power sync as it was before one activity listed and read a pass (ONE_ACTIVITY_PASS_PATCH).
  'before-sync-pass': ['power-sync'],
  // changePowerState before POWER_ONE_TRIP_PATCH: five activities in a row.
  'before-power-one-trip': ['power-off', 'power-on', 'power-soft-off'],
};
