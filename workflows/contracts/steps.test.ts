import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  automatedCleanSteps,
  checkTemplateSteps,
  DEPLOY_STEPS,
  mergeTemplateSteps,
  resolveDeploySteps,
  resolveManualCleanSteps,
  StepError,
} from './steps';

const keys = (steps: { key: string }[]) => steps.map((s) => s.key);

test('defaults: highest priority first, optional steps off', () => {
  assert.deepEqual(keys(resolveDeploySteps('iscsi')), [
    'deploy.deploy',
    'deploy.write_image',
    'deploy.tear_down_agent',
    'deploy.boot_instance',
  ]);
  assert.deepEqual(keys(resolveDeploySteps('direct')), [
    'deploy.deploy',
    'deploy.write_image',
    'deploy.tear_down_agent',
    'deploy.boot_instance',
  ]);
  assert.deepEqual(keys(resolveDeploySteps('fake')), ['deploy.deploy']);
  assert.deepEqual(resolveDeploySteps('iscsi')[1], {
    interface: 'deploy',
    step: 'write_image',
    priority: 80,
    args: {},
    key: 'deploy.write_image',
  });
});

test('a user step with a priority adds an optional step where its priority puts it', () => {
  const s = resolveDeploySteps('iscsi', [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 90 }]);
  assert.deepEqual(keys(s), [
    'deploy.deploy',
    'deploy.erase_devices_metadata',
    'deploy.write_image',
    'deploy.tear_down_agent',
    'deploy.boot_instance',
  ]);
  assert.equal(s[1].priority, 90);
});

test('a user priority reorders within what the data allows; ties keep table order', () => {
  const s = resolveDeploySteps('iscsi', [
    { interface: 'deploy', step: 'write_image', args: {}, priority: 95 },
    { interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 95 },
  ]);
  assert.deepEqual(keys(s).slice(0, 3), ['deploy.deploy', 'deploy.erase_devices_metadata', 'deploy.write_image']);
  assert.deepEqual(
    s.map((x) => x.priority),
    [100, 95, 95, 40, 20],
  );
});

test('priority 0 turns an optional step off again', () => {
  const s = resolveDeploySteps('iscsi', [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 0 }]);
  assert.ok(!keys(s).includes('deploy.erase_devices_metadata'));
});

test('bad requests throw StepError with the reason', () => {
  const bad: [unknown, RegExp][] = [
    [{}, /expected a list of steps/],
    [
      [{ interface: 'deploy', step: 'nosuch', args: {}, priority: 1 }],
      /has no deploy step deploy\.nosuch\. Known steps: deploy\.deploy \(priority 100\), deploy\.erase_devices_metadata \(priority 0, optional\)/,
    ],
    [[{ interface: 'deploy', step: 'write_image', priority: 10 }], /needs interface, step, args and priority/],
    [[{ interface: 'deploy', step: 'write_image', args: {}, priority: 10, extra: 1 }], /is not a step object/],
    [[{ interface: 'deploy', step: 'write_image', args: {}, priority: -1 }], /must be an integer of 0 or more/],
    [[{ interface: 'deploy', step: 'write_image', args: {}, priority: 0 }], /deploy\.write_image cannot be disabled/],
    [
      [{ interface: 'deploy', step: 'write_image', args: { x: 1 }, priority: 80 }],
      /deploy\.write_image does not take x; it takes no arguments/,
    ],
    [
      [{ interface: 'deploy', step: 'write_image', args: {}, priority: 110 }],
      /deploy\.write_image \(priority 110\) must run after deploy\.deploy \(priority 100\): it needs the deploy ramdisk/,
    ],
    [
      [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 50 }],
      /erase_devices_metadata \(priority 50\) must run before deploy\.write_image \(priority 80\): it would erase the image/,
    ],
    [
      [{ interface: 'deploy', step: 'boot_instance', args: {}, priority: 50 }],
      /boot_instance \(priority 50\) must run after deploy\.tear_down_agent/,
    ],
    [
      [
        { interface: 'deploy', step: 'deploy', args: {}, priority: 100 },
        { interface: 'deploy', step: 'deploy', args: {}, priority: 100 },
      ],
      /given twice/,
    ],
  ];
  for (const [user, msg] of bad)
    assert.throws(
      () => resolveDeploySteps('iscsi', user),
      (e: Error) => e instanceof StepError && msg.test(e.message),
      JSON.stringify(user),
    );
  // direct mode writes as soon as the ramdisk is up: no metadata erase before it.
  assert.throws(
    () => resolveDeploySteps('direct', [{ interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 90 }]),
    /deploy interface direct has no deploy step/,
  );
});

test('every interface: its defaults satisfy its own ordering rules, its keys are unique', () => {
  for (const [iface, specs] of Object.entries(DEPLOY_STEPS)) {
    // the defaults of every interface satisfy their own rules
    assert.doesNotThrow(() => resolveDeploySteps(iface), iface);
    assert.equal(new Set(specs.map((s) => s.key)).size, specs.length, `${iface}: unique keys`);
  }
});

test('clean steps: automated per mode, manual exactly one known step; fake has none', () => {
  assert.deepEqual(keys(automatedCleanSteps('iscsi', 'metadata')), ['deploy.erase_devices_metadata']);
  assert.deepEqual(keys(automatedCleanSteps('direct', 'full')), ['deploy.erase_devices']);
  assert.deepEqual(automatedCleanSteps('iscsi', 'none'), []);
  assert.deepEqual(automatedCleanSteps('fake', 'metadata'), []);
  assert.deepEqual(keys(resolveManualCleanSteps('iscsi', [{ interface: 'deploy', step: 'erase_devices' }])), ['deploy.erase_devices']);
  assert.throws(() => resolveManualCleanSteps('iscsi', []), /give exactly one step/);
  assert.throws(
    () => resolveManualCleanSteps('iscsi', [{ interface: 'bios', step: 'factory_reset' }]),
    /does not support this clean step.*Supported: deploy\.erase_devices \(full\), deploy\.erase_devices_metadata \(metadata\)/,
  );
  assert.throws(() => resolveManualCleanSteps('fake', [{ interface: 'deploy', step: 'erase_devices' }]), /Supported: none/);
});

test('deploy templates: steps checked against the table; merged with the request, which wins', () => {
  const erase = { interface: 'deploy', step: 'erase_devices_metadata', args: {}, priority: 90 };
  assert.deepEqual(
    checkTemplateSteps([erase]).map((s) => s.key),
    ['deploy.erase_devices_metadata'],
  );
  assert.throws(() => checkTemplateSteps([]), /one or more deploy steps/);
  assert.throws(() => checkTemplateSteps([{ ...erase, step: 'nope' }]), /there is no deploy step deploy\.nope/);
  assert.throws(() => checkTemplateSteps([{ ...erase, interface: 'deploy', step: 'deploy', priority: 0 }]), /cannot be disabled/);
  // A template enabling the optional erase puts it where its priority says, on iscsi.
  const merged = mergeTemplateSteps([{ name: 'CUSTOM_ERASE', steps: [erase] }], []);
  assert.deepEqual(
    resolveDeploySteps('iscsi', merged).map((s) => `${s.key}:${s.priority}`),
    [
      'deploy.deploy:100',
      'deploy.erase_devices_metadata:90',
      'deploy.write_image:80',
      'deploy.tear_down_agent:40',
      'deploy.boot_instance:20',
    ],
  );
  // The request's own step of the same name overrides the template's (here: turns it off).
  const off = mergeTemplateSteps([{ name: 'CUSTOM_ERASE', steps: [erase] }], [{ ...erase, priority: 0 }]);
  assert.ok(!resolveDeploySteps('iscsi', off).some((s) => s.key === 'deploy.erase_devices_metadata'));
  // Two templates setting the same step: refused, naming both.
  assert.throws(
    () =>
      mergeTemplateSteps(
        [
          { name: 'CUSTOM_A', steps: [erase] },
          { name: 'CUSTOM_B', steps: [erase] },
        ],
        [],
      ),
    /Deploy templates CUSTOM_A and CUSTOM_B both set deploy step deploy\.erase_devices_metadata/,
  );
  // No template: the request is passed on untouched (even a bad one, for resolveDeploySteps to refuse).
  assert.equal(mergeTemplateSteps([], 'x'), 'x');
});
