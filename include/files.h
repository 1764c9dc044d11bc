/*
** files.h — file-system chores shared by the indexer and the searcher.
*/
#ifndef GZ_FILES_H
#define GZ_FILES_H

/*
** Remove the tree at path (children first, links not followed); a
** missing path is fine, a file that cannot be removed is logged.
*/
void files_rm_tree(const char *path);

#endif /* GZ_FILES_H */
