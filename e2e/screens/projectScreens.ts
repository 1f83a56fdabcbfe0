import type { Walk } from './walk';

/** the project: saved as a file, reloaded, reopened from the start page's recent list, notes saved with Ctrl+S */
export async function projectScreens(w: Walk): Promise<void> {
  const { page, id, shot } = w;
  await id('save-project').click();
  await id('save-as-dialog').waitFor();
  await id('save-as-folder').fill(w.work);
  await id('save-as-name').fill('fashion.tlab');
  await shot('08a-save-as');
  await id('save-as-confirm').click();
  await id('save-as-dialog').waitFor({ state: 'detached' });
  await page.waitForTimeout(500);
  await shot('08b-saved');

  await page.reload();
  await w.waitText('export-dest', /./).catch(() => undefined);
  await shot('09-after-reload');

  await page.getByRole('link', { name: 'Transfer Lab' }).click();
  await id('recent-projects').getByRole('button').first().waitFor();
  await shot('10a-start-recent');
  await id('recent-projects').getByRole('button').first().click();
  await id('done-dataset').waitFor({ timeout: 60_000 });
  await shot('10b-opened');

  // lab notes make the project dirty; Ctrl+S saves it to its file
  await page.locator('.notes summary').click();
  await id('project-notes').fill('3 epochs at lr 0.01: tops and shirts are the confusion to fix.');
  await id('dirty-indicator').waitFor();
  await page.keyboard.press('Control+s');
  await id('dirty-indicator').waitFor({ state: 'detached' });
  await shot('11-notes-saved');
}
