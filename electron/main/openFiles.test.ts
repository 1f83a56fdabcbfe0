import { electronMock } from './test/electronMock';
import { describe, expect, it, vi } from 'vitest';
import { claimSingleInstance, projectFileIn } from './openFiles';

describe('projects named on the command line', () => {
  it('takes the last .tlab argument, resolved against the launch folder', () => {
    expect(projectFileIn(['--enable-logging', 'a.tlab', 'sub/b.TLAB'], '/home/u')).toBe('/home/u/sub/b.TLAB');
    expect(projectFileIn(['/abs/c.tlab'], '/home/u')).toBe('/abs/c.tlab');
  });
  it('ignores switches and other files', () => {
    expect(projectFileIn(['.', '--x=y.tlab', 'photo.jpg'], '/home/u')).toBeNull();
  });
});

describe('the single-instance lock', () => {
  it('hands a second launch’s project to the first', () => {
    const open = vi.fn();
    expect(claimSingleInstance(open)).toBe(true);
    electronMock.app.emit('second-instance', {}, ['/usr/bin/transfer-lab', 'flowers.tlab'], '/home/u/projects');
    expect(open).toHaveBeenCalledWith('/home/u/projects/flowers.tlab');
    electronMock.app.emit('second-instance', {}, ['/usr/bin/transfer-lab'], '/home/u');
    expect(open).toHaveBeenLastCalledWith(null);
  });
  it('tells the second launch to quit', () => {
    electronMock.app.requestSingleInstanceLock.mockReturnValueOnce(false);
    expect(claimSingleInstance(vi.fn())).toBe(false);
  });
});
