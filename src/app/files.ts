/**
 * Files in and out of the page: dropped files and folders (read recursively), and downloads.
 */

function readEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  // readEntries returns the listing in chunks; an empty chunk ends it.
  return new Promise((resolve, reject) => {
    const next = () =>
      reader.readEntries((chunk) => {
        if (chunk.length === 0) resolve(all);
        else {
          all.push(...chunk);
          next();
        }
      }, reject);
    next();
  });
}

/** A file of a drop or a choice, with its path below what was dropped ('/'-separated; its name for a loose file). */
export interface PickedFile {
  file: File;
  path: string;
}

async function filesOf(entry: FileSystemEntry, depth = 0): Promise<PickedFile[]> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    return [{ file, path: entry.fullPath.replace(/^\//, '') || file.name }];
  }
  // An image folder is train/<class>/<file> below the dropped folder: four levels with it.
  if (entry.isDirectory && depth < 4) {
    const children = await readEntries(entry as FileSystemDirectoryEntry);
    return (await Promise.all(children.map((c) => filesOf(c, depth + 1)))).flat();
  }
  return [];
}

/** Files chosen through an input: a folder's keep their path below it, loose files their name. */
export function pickedFiles(files: FileList | File[]): PickedFile[] {
  return Array.from(files, (file) => ({ file, path: file.webkitRelativePath || file.name }));
}

/** Every file of a drop, folders included (up to four levels deep), with their paths. */
export async function droppedFiles(dt: DataTransfer): Promise<PickedFile[]> {
  const entries = Array.from(dt.items).map((it) => it.webkitGetAsEntry?.()).filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) return pickedFiles(dt.files);
  return (await Promise.all(entries.map((e) => filesOf(e)))).flat();
}

/** Shows the overlay while files are dragged over the page and calls `onFiles` on drop. */
export function installDropZone(overlay: HTMLElement, onFiles: (files: PickedFile[]) => void, onError: (message: string) => void): void {
  let depth = 0;
  const hasFiles = (e: DragEvent) => !!e.dataTransfer && Array.from(e.dataTransfer.types).includes('Files');
  document.addEventListener('dragenter', (e) => {
    if (!hasFiles(e)) return;
    depth++;
    overlay.hidden = false;
  });
  document.addEventListener('dragleave', () => {
    if (--depth <= 0) {
      depth = 0;
      overlay.hidden = true;
    }
  });
  document.addEventListener('dragover', (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener('drop', (e) => {
    if (!e.dataTransfer || !hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    droppedFiles(e.dataTransfer).then(onFiles, (err: unknown) => onError(`could not read the dropped files: ${(err as Error).message ?? String(err)}`));
  });
}

/** Offers bytes as a file download. */
export function download(bytes: Uint8Array, name: string): void {
  const url = URL.createObjectURL(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // Revoke later: the download starts asynchronously.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
