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
} as const;

export type FixtureName = keyof typeof FIXTURE_WORKFLOWS;
export const FIXTURES = Object.keys(FIXTURE_WORKFLOWS) as FixtureName[];
