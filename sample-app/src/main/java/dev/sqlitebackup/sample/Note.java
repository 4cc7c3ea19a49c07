package dev.sqlitebackup.sample;

/**
 * A note as stored and returned by the API.
 *
 * @param id generated id
 * @param text what the note says
 * @param createdAt when it was written, ISO-8601 in UTC
 */
public record Note(long id, String text, String createdAt) {

}
