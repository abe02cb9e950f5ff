#!/usr/bin/python3
"""sushy (Debian's python3-sushy, the library Ironic's redfish driver uses) drives
a Redfish BMC: sessions and Basic auth, power on/off/reset, boot override set and
read back, virtual media insert/eject. One function per check; each prints "ok
<name>" so the test can see which ran. Usage:

  sushy_conformance.py <base url> <ca file> <system path> [check ...]
  (user name and password from REDFISH_USERNAME / REDFISH_PASSWORD)
"""
import os
import sys
import time

import sushy
from sushy import auth

URL, CA, SYSTEM = sys.argv[1], sys.argv[2], sys.argv[3]
USER = os.environ['REDFISH_USERNAME']
PASSWORD = os.environ['REDFISH_PASSWORD']


def connect(kind='session'):
    a = {'session': auth.SessionAuth, 'basic': auth.BasicAuth, 'auto': auth.SessionOrBasicAuth}[kind](
        username=USER, password=PASSWORD)
    return sushy.Sushy(URL, verify=CA, auth=a)


def wait_power(system, want, timeout=30):
    deadline = time.monotonic() + timeout
    while True:
        system.refresh()
        if system.power_state == want:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f'power state {system.power_state}, want {want}')
        time.sleep(0.2)


def check_root():
    root = connect()
    assert root.redfish_version, root.redfish_version
    systems = root.get_system_collection().members_identities
    assert SYSTEM in systems, systems
    managers = root.get_manager_collection().get_members()
    assert managers, 'no managers'
    sessions = root.get_session_service().sessions.members_identities
    assert sessions, 'our own session is listed'


def check_auth_kinds():
    for kind in ('basic', 'auto', 'session'):
        s = connect(kind).get_system(SYSTEM)
        assert s.power_state in (sushy.POWER_STATE_ON, sushy.POWER_STATE_OFF), s.power_state
    try:
        sushy.Sushy(URL, verify=CA, auth=auth.BasicAuth(username=USER, password=PASSWORD + 'x')).get_system(SYSTEM)
    except sushy.exceptions.AccessError:
        pass
    else:
        raise AssertionError('a wrong password was accepted')


def check_power():
    s = connect().get_system(SYSTEM)
    allowed = s.get_allowed_reset_system_values()
    for v in (sushy.RESET_ON, sushy.RESET_FORCE_OFF, sushy.RESET_FORCE_RESTART, sushy.RESET_GRACEFUL_SHUTDOWN):
        assert v in allowed, allowed
    s.reset_system(sushy.RESET_ON)
    wait_power(s, sushy.POWER_STATE_ON)
    s.reset_system(sushy.RESET_FORCE_RESTART)
    wait_power(s, sushy.POWER_STATE_ON)
    s.reset_system(sushy.RESET_FORCE_OFF)
    wait_power(s, sushy.POWER_STATE_OFF)
    try:
        s.reset_system('Bogus')
    except sushy.exceptions.InvalidParameterValueError:
        pass
    else:
        raise AssertionError('an unknown reset type was accepted')


def check_boot():
    s = connect().get_system(SYSTEM)
    targets = s.get_allowed_system_boot_source_values()
    assert sushy.BOOT_SOURCE_TARGET_PXE in targets and sushy.BOOT_SOURCE_TARGET_CD in targets, targets
    s.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_PXE, enabled=sushy.BOOT_SOURCE_ENABLED_ONCE,
                              mode=sushy.BOOT_SOURCE_MODE_UEFI)
    s.refresh()
    assert s.boot.target == sushy.BOOT_SOURCE_TARGET_PXE, s.boot.target
    assert s.boot.enabled == sushy.BOOT_SOURCE_ENABLED_ONCE, s.boot.enabled
    assert s.boot.mode == sushy.BOOT_SOURCE_MODE_UEFI, s.boot.mode
    s.set_system_boot_options(sushy.BOOT_SOURCE_TARGET_HDD, enabled=sushy.BOOT_SOURCE_ENABLED_CONTINUOUS,
                              mode=sushy.BOOT_SOURCE_MODE_BIOS)
    s.refresh()
    assert s.boot.target == sushy.BOOT_SOURCE_TARGET_HDD, s.boot.target
    assert s.boot.enabled == sushy.BOOT_SOURCE_ENABLED_CONTINUOUS, s.boot.enabled
    assert s.boot.mode == sushy.BOOT_SOURCE_MODE_BIOS, s.boot.mode


def check_virtual_media():
    root = connect()
    s = root.get_system(SYSTEM)
    manager = s.managers[0]
    media = {m.identity: m for m in manager.virtual_media.get_members()}
    cd = media['Cd']
    assert sushy.VIRTUAL_MEDIA_CD in cd.media_types, cd.media_types
    if cd.inserted:
        cd.eject_media()
        cd.refresh()
    cd.insert_media('http://127.0.0.1:1/deploy.iso', inserted=True, write_protected=True)
    cd.refresh()
    assert cd.inserted and cd.image == 'http://127.0.0.1:1/deploy.iso', (cd.inserted, cd.image)
    cd.eject_media()
    cd.refresh()
    assert not cd.inserted and not cd.image, (cd.inserted, cd.image)
    usb = media['Usb']
    assert sushy.VIRTUAL_MEDIA_USBSTICK in usb.media_types, usb.media_types
    usb.insert_media('http://127.0.0.1:1/configdrive.img', inserted=True, write_protected=False)
    usb.refresh()
    assert usb.inserted, usb.inserted
    usb.eject_media()


def check_logout():
    a = auth.SessionAuth(username=USER, password=PASSWORD)
    root = sushy.Sushy(URL, verify=CA, auth=a)
    root.get_system(SYSTEM)
    before = len(root.get_session_service().sessions.members_identities)
    a.close()  # sushy logs its session out (DELETE)
    after = len(connect('basic').get_session_service().sessions.members_identities)
    assert after == before - 1, (before, after)


CHECKS = {
    'root': check_root,
    'auth kinds': check_auth_kinds,
    'power': check_power,
    'boot': check_boot,
    'virtual media': check_virtual_media,
    'logout': check_logout,
}

if __name__ == '__main__':
    names = sys.argv[4:] or list(CHECKS)
    for name in names:
        CHECKS[name]()
        print(f'ok {name}', flush=True)
